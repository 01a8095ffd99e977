import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  describePayload,
  headerSizeOf,
  parseFrameHeader,
  writeFrameHeader,
  wsFrameHeaderSize,
} from '../../protocol/ws-frame.ts';

describe('ws-frame', () => {
  describe('#parseFrameHeader', () => {
    it('decodes a short unmasked text frame: 2 bytes', () => {
      const h = parseFrameHeader([0x81, 0x2f]);
      assert.deepEqual(h && { ...h }, {
        fin: true,
        rsv: 0,
        opcode: 1,
        masked: false,
        payloadLength: 47,
        lengthField: 7,
        size: 2,
        bytes: [0x81, 0x2f],
      });
    });

    it('decodes a masked client frame: 2 + 4 mask bytes', () => {
      const h = parseFrameHeader([0x81, 0x9e, 1, 2, 3, 4, 99]);
      assert.equal(h?.masked, true);
      assert.equal(h?.payloadLength, 30);
      assert.equal(h?.size, 6);
      assert.deepEqual(h?.bytes, [0x81, 0x9e, 1, 2, 3, 4]);
    });

    it('uses the 16-bit length from 126 bytes: 4 bytes', () => {
      const h = parseFrameHeader([0x82, 126, 0x01, 0x00]);
      assert.equal(h?.payloadLength, 256);
      assert.equal(h?.lengthField, 16);
      assert.equal(h?.size, 4);
      assert.equal(h?.opcode, 2);
    });

    it('uses the 64-bit length above 65 535: 10 bytes, +4 masked', () => {
      const h = parseFrameHeader([0x01, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9]);
      assert.equal(h?.fin, false);
      assert.equal(h?.payloadLength, 65_536);
      assert.equal(h?.lengthField, 64);
      assert.equal(h?.size, 14);
    });

    it('returns null until the whole header is there', () => {
      assert.equal(parseFrameHeader([0x81]), null);
      assert.equal(parseFrameHeader([0x81, 126, 0x01]), null);
      assert.equal(headerSizeOf(0x80 | 127), 14);
    });
  });

  describe('#wsFrameHeaderSize', () => {
    const cases: Array<[number, boolean, number]> = [
      [0, false, 2],
      [125, false, 2],
      [126, false, 4],
      [65_535, false, 4],
      [65_536, false, 10],
      [10, true, 6],
      [200, true, 8],
      [70_000, true, 14],
      [Number.MAX_SAFE_INTEGER, true, 14],
    ];
    for (const [length, masked, size] of cases) {
      it(`is ${size} for ${length} bytes${masked ? ', masked' : ''}`, () => {
        assert.equal(wsFrameHeaderSize(length, masked), size);
      });
    }

    it('refuses lengths that are no byte counts', () => {
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => wsFrameHeaderSize(bad, false), RangeError);
      }
    });
  });

  describe('#writeFrameHeader', () => {
    it('writes what parseFrameHeader reads back, at the size wsFrameHeaderSize and headerSizeOf give', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(125, 126, 65_535, 65_536, 2 ** 32 + 5)),
          fc.constantFrom(1, 2, 8, 9, 10),
          (length, opcode) => {
            const bytes = new Uint8Array(14);
            const size = writeFrameHeader(bytes, opcode, length);
            assert.equal(size, wsFrameHeaderSize(length, false));
            assert.equal(headerSizeOf(bytes[1] ?? 0), size);
            const h = parseFrameHeader(bytes.subarray(0, size));
            assert.ok(h);
            assert.equal(h.fin, true);
            assert.equal(h.opcode, opcode);
            assert.equal(h.masked, false);
            assert.equal(h.payloadLength, length);
          },
        ),
      );
    });

    it('matches what ws writes for a 300-byte text frame', () => {
      const bytes = new Uint8Array(4);
      writeFrameHeader(bytes, 1, 300);
      assert.deepEqual([...bytes], [0x81, 126, 0x01, 0x2c]);
    });
  });

  describe('#describePayload', () => {
    it('reads a close frame as its status code and reason, not as text', () => {
      const payload = new Uint8Array([0x03, 0xe8, ...new TextEncoder().encode('client stopped')]);
      assert.equal(describePayload(8, payload), '1000 client stopped');
      assert.equal(describePayload(8, new Uint8Array([0x03, 0xe9])), '1001');
      assert.equal(describePayload(8, new Uint8Array(0)), '(no status)');
    });

    it('shows binary frames in hex and text frames as text', () => {
      assert.equal(describePayload(2, new Uint8Array([0, 15, 255])), '00 0f ff');
      assert.equal(describePayload(1, new TextEncoder().encode('{"a":1}')), '{"a":1}');
    });
  });
});
