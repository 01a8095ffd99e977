import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { wsFrameHeaderSize } from '../../protocol/ws-frame.ts';
import { WsFramer } from '../../server/metering/ws-framer.ts';

/** One frame as RFC 6455 §5.2 lays it out, built independently of the code under test. */
function frame(payloadLength: number, masked: boolean, opcode = 0x1, fin = true): Buffer {
  const len7 = payloadLength <= 125 ? payloadLength : payloadLength <= 0xffff ? 126 : 127;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const head = Buffer.alloc(2 + extended + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (masked ? 0x80 : 0) | len7;
  if (extended === 2) head.writeUInt16BE(payloadLength, 2);
  if (extended === 8) head.writeBigUInt64BE(BigInt(payloadLength), 2);
  if (masked) head.set([0x37, 0xfa, 0x21, 0x3d], 2 + extended);
  // Payload bytes that look like headers, to catch a framer that resyncs on content.
  return Buffer.concat([head, Buffer.alloc(payloadLength, 0x81)]);
}

/** Feeds `stream` cut at `cuts` (sorted offsets) and returns the totals. */
function feed(stream: Buffer, cuts: readonly number[]): { header: number; payload: number; boundary: boolean } {
  const framer = new WsFramer();
  const split = { header: 0, payload: 0 };
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    framer.push(stream.subarray(from, cut), split);
    from = cut;
  }
  return { ...split, boundary: framer.atFrameBoundary };
}

const cutsOf = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 40 }).map((c) => c.sort((a, b) => a - b));

describe('WsFramer', () => {
  it('splits single frames of every length form, masked or not', () => {
    for (const length of [0, 1, 10, 125, 126, 200, 65_535, 65_536, 70_000]) {
      for (const masked of [false, true]) {
        const split = new WsFramer().push(frame(length, masked));
        assert.deepEqual(split, { header: wsFrameHeaderSize(length, masked), payload: length }, `${length} ${masked}`);
      }
    }
  });

  it('counts every opcode alike: continuation, binary, close, ping, pong', () => {
    const stream = Buffer.concat([
      frame(3, true, 0x1, false),
      frame(4, true, 0x0, true),
      frame(5, true, 0x2),
      frame(2, true, 0x8),
      frame(0, true, 0x9),
      frame(0, false, 0xa),
    ]);
    assert.deepEqual(new WsFramer().push(stream), { header: 5 * 6 + 2, payload: 14 });
  });

  it('handles headers split byte by byte, including the 64-bit length', () => {
    const stream = Buffer.concat([frame(70_000, true), frame(200, false), frame(0, true)]);
    const cuts = Array.from({ length: 40 }, (_, i) => i);
    cuts.push(...Array.from({ length: 20 }, (_, i) => 70_014 + i));
    const got = feed(stream, cuts);
    assert.deepEqual(got, { header: 14 + 4 + 6, payload: 70_200, boundary: true });
  });

  it('adds into the counters it is given', () => {
    const into = { header: 100, payload: 1000 };
    const returned = new WsFramer().push(frame(10, false), into);
    assert.equal(returned, into);
    assert.deepEqual(into, { header: 102, payload: 1010 });
  });

  it('is mid-frame after a partial header or payload', () => {
    const framer = new WsFramer();
    framer.push(frame(200, false).subarray(0, 3));
    assert.equal(framer.atFrameBoundary, false);
    framer.push(frame(200, false).subarray(3, 100));
    assert.equal(framer.atFrameBoundary, false);
    framer.push(frame(200, false).subarray(100));
    assert.equal(framer.atFrameBoundary, true);
  });

  it('property: any chunking of any frame sequence gives the same exact split', () => {
    const frameSpec = fc.record({
      length: fc.oneof(
        fc.integer({ min: 0, max: 125 }),
        fc.integer({ min: 126, max: 70_000 }),
        fc.constantFrom(125, 126, 65_535, 65_536),
      ),
      masked: fc.boolean(),
      opcode: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa),
    });
    fc.assert(
      fc.property(
        fc.array(frameSpec, { maxLength: 8 }).chain((specs) => {
          const stream = Buffer.concat(specs.map((s) => frame(s.length, s.masked, s.opcode)));
          return fc.tuple(fc.constant(specs), fc.constant(stream), cutsOf(stream.length));
        }),
        ([specs, stream, cuts]) => {
          const got = feed(stream, cuts);
          const header = specs.reduce((n, s) => n + wsFrameHeaderSize(s.length, s.masked), 0);
          const payload = specs.reduce((n, s) => n + s.length, 0);
          assert.deepEqual(got, { header, payload, boundary: true });
          assert.equal(got.header + got.payload, stream.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary bytes are all counted, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ maxLength: 600 })
          .chain((bytes) => fc.tuple(fc.constant(Buffer.from(bytes)), cutsOf(bytes.length))),
        ([stream, cuts]) => {
          const whole = feed(stream, []);
          const got = feed(stream, cuts);
          assert.deepEqual(got, whole);
          assert.equal(got.header + got.payload, stream.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('WsFramer with a FrameObserver', () => {
  it('reports every frame’s header and first payload bytes, however the stream is cut, as copies', () => {
    const spec = fc.record({
      length: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(125, 126, 65_536)),
      masked: fc.boolean(),
      opcode: fc.constantFrom(0x1, 0x2, 0x8, 0x9),
    });
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 5 }), fc.nat(), (specs, seed) => {
        const frames = specs.map((s) => {
          const f = frame(s.length, s.masked, s.opcode);
          // Distinct payload bytes, so a preview from the wrong place would show.
          const header = f.length - s.length;
          for (let i = header; i < f.length; i++) f[i] = (i * 7 + seed) & 0xff;
          return f;
        });
        const stream = Buffer.concat(frames);
        const seen: Array<{ header: number[]; preview: Uint8Array }> = [];
        const framer = new WsFramer({ previewBytes: 80, frame: (header, preview) => seen.push({ header, preview }) });
        const step = 1 + (seed % 97);
        const chunks: Buffer[] = [];
        for (let from = 0; from < stream.length; from += step) {
          const chunk = Buffer.from(stream.subarray(from, from + step));
          framer.push(chunk);
          chunks.push(chunk);
        }
        for (const c of chunks) c.fill(0); // as ws unmasking in place would
        assert.equal(seen.length, frames.length);
        frames.forEach((f, i) => {
          const s = specs[i];
          assert.ok(s);
          const headerSize = f.length - s.length;
          assert.deepEqual(seen[i]?.header, [...f.subarray(0, headerSize)]);
          assert.deepEqual(
            [...(seen[i]?.preview ?? [])],
            [...f.subarray(headerSize, headerSize + Math.min(80, s.length))],
          );
        });
      }),
    );
  });
});
