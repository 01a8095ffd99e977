import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerSizeOf, parseFrameHeader } from '../../server/metering/frame-header.ts';

describe('frame-header', () => {
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
});
