import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CapturedFrame } from '../../protocol/control.ts';
import {
  decodeFrame,
  FRAMES_KEPT,
  FrameFinder,
  type FrameRecord,
  FrameRing,
  PREVIEW_BYTES,
} from '../../server/inspect/frame-capture.ts';
import { parseFrameHeader } from '../../server/metering/frame-header.ts';

/** One frame on the wire (RFC 6455 §5.2), masked or not, and what the inspector should show for it. */
function frame(payload: Buffer, masked: boolean, opcode = 0x1): { bytes: Buffer; want: Omit<CapturedFrame, 'at'> } {
  const n = payload.length;
  const len7 = n <= 125 ? n : n <= 0xffff ? 126 : 127;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (masked ? 0x80 : 0) | len7;
  if (ext === 2) head.writeUInt16BE(n, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(n), 2);
  const key = [0x12, 0x34, 0x56, 0x78];
  if (masked) head.set(key, 2 + ext);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0))) : payload;
  const h = parseFrameHeader(head);
  assert.ok(h);
  const preview = payload.subarray(0, PREVIEW_BYTES).toString('utf8');
  return { bytes: Buffer.concat([head, body]), want: { ...h, preview } };
}

/** Feeds `stream` cut at `cuts`, then scribbles over every chunk (as ws unmasking in place would). */
function capture(stream: Buffer, cuts: readonly number[], copy: boolean): CapturedFrame[] {
  const records: FrameRecord[] = [];
  const finder = new FrameFinder('in', copy, { recordFrame: (_d, r) => records.push(r) });
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    const chunk = Buffer.from(stream.subarray(from, cut));
    finder.push(chunk);
    chunks.push(chunk);
    from = cut;
  }
  if (copy) for (const c of chunks) c.fill(0);
  return records.map((r) => {
    const f = decodeFrame(r);
    assert.ok(f);
    return f;
  });
}

const withoutAt = (frames: CapturedFrame[]) => frames.map(({ at: _at, ...f }) => f);

describe('frame capture', () => {
  it('property: any chunking gives the same decoded frames, headers and previews', () => {
    const frameArb = fc.record({
      text: fc.string({ maxLength: 200 }),
      big: fc.constantFrom(0, 0, 0, 300, 70_000),
      masked: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 5 }).chain((specs) => {
          const frames = specs.map((s) => frame(Buffer.from(s.text + 'y'.repeat(s.big)), s.masked));
          const stream = Buffer.concat(frames.map((f) => f.bytes));
          const cuts = fc
            .uniqueArray(fc.integer({ min: 0, max: stream.length }), { maxLength: 20 })
            .map((c) => c.sort((a, b) => a - b));
          return fc.tuple(fc.constant(frames), fc.constant(stream), cuts, fc.boolean());
        }),
        ([frames, stream, cuts, copy]) => {
          assert.deepEqual(
            withoutAt(capture(stream, cuts, copy)),
            frames.map((f) => f.want),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('copies what it must keep when told to (received frames are unmasked in place later)', () => {
    const f = frame(Buffer.from('{"type":"publish","body":"hi"}'), true);
    assert.deepEqual(withoutAt(capture(f.bytes, [], true)), [f.want]);
  });

  it('keeps the last frames, oldest first', () => {
    const ring = new FrameRing();
    const finder = new FrameFinder('out', false, { recordFrame: (_d, r) => ring.add(r) });
    for (let i = 0; i < FRAMES_KEPT + 3; i++) finder.push(frame(Buffer.from(`m${i}`), false).bytes);
    assert.deepEqual(
      ring.list().map((f) => f.preview),
      Array.from({ length: FRAMES_KEPT }, (_, i) => `m${i + 3}`),
    );
  });
});
