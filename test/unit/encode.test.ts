import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedMessage } from '../../protocol/wire.ts';
import { parseFrameHeader } from '../../protocol/ws-frame.ts';
import { httpChunk, messageJson, sseMessageChunk, wsMessageFrame } from '../../server/feed/encode.ts';

const message = (seq: number, body = 'hello 世界'): FeedMessage => ({
  seq,
  ts: 1_700_000_000_000,
  source: 'chat',
  body,
});

describe('encode', () => {
  it('serializes each message once: the same bytes for every client', () => {
    const m = message(7);
    assert.equal(wsMessageFrame(m), wsMessageFrame(m));
    assert.equal(sseMessageChunk(m), sseMessageChunk(m));
    assert.equal(messageJson(m), JSON.stringify(m));
  });

  it('frames the payloads as the protocol says', () => {
    const m = message(42);
    const frame = wsMessageFrame(m);
    const h = parseFrameHeader(frame);
    assert.ok(h);
    assert.deepEqual([h.fin, h.opcode, h.masked, h.payloadLength], [true, 1, false, frame.length - h.size]);
    assert.deepEqual(JSON.parse(frame.subarray(h.size).toString('utf8')), { type: 'message', ...m });
    const event = `id: 42\ndata: ${JSON.stringify(m)}\n\n`;
    assert.equal(sseMessageChunk(m).toString('utf8'), `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`);
    assert.equal(httpChunk('héllo'), '6\r\nhéllo\r\n');
  });

  it("gives cached bytes their own backing store, never a slab of Node's shared pool", () => {
    // A pooled Buffer pins its whole 8 KiB slab for as long as the feed keeps the message.
    for (let seq = 1; seq <= 50; seq++) {
      const m = message(seq);
      for (const b of [wsMessageFrame(m), sseMessageChunk(m)]) {
        assert.equal(b.byteOffset, 0);
        assert.equal(b.buffer.byteLength, b.length, `seq ${seq}: ${b.buffer.byteLength} bytes held for ${b.length}`);
      }
    }
  });
});
