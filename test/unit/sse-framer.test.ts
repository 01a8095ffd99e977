import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SseFramer } from '../../server/metering/sse-framer.ts';

/**
 * The definition, written the slow obvious way: split into lines, a line starting `data:` has
 * that and one optional space as header and the rest as payload; all else is header. Works on
 * latin1 so each character is one byte.
 */
function oracle(bytes: Buffer): { header: number; payload: number } {
  let text = bytes.toString('latin1');
  let header = 0;
  if (text.startsWith('\xef\xbb\xbf')) {
    header += 3;
    text = text.slice(3);
  }
  let payload = 0;
  for (const piece of text.split(/(\r\n|\r|\n)/)) {
    if (piece.startsWith('data:')) {
      const prefix = piece.startsWith('data: ') ? 6 : 5;
      header += prefix;
      payload += piece.length - prefix;
    } else header += piece.length;
  }
  return { header, payload };
}

function feed(stream: Buffer, cuts: readonly number[]): { header: number; payload: number } {
  const framer = new SseFramer();
  const split = { header: 0, payload: 0 };
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    framer.push(stream.subarray(from, cut), split);
    from = cut;
  }
  return split;
}

const cutsOf = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 30 }).map((c) => c.sort((a, b) => a - b));

describe('SseFramer', () => {
  const cases: Array<[string, string, number]> = [
    ['a data line', 'data: hello\n', 5],
    ['no space after the colon', 'data:hello\n', 5],
    ['only one space is syntax', 'data:  two\n', 4],
    ['a colon inside the value', 'data: a:b\n', 3],
    ['an id line', 'id: 42\n', 0],
    ['event and retry lines', 'event: tick\nretry: 1000\n', 0],
    ['a comment', ': heartbeat\n\n', 0],
    ['an empty data field', 'data:\ndata\n\n', 0],
    ['a name that only starts like data', 'datum: x\ndat: y\n', 0],
    ['field names are case-sensitive', 'Data: x\nDATA: y\n', 0],
    ['CRLF terminators', 'id: 1\r\ndata: abc\r\n\r\n', 3],
    ['CR terminators', 'data: abc\rdata: de\r\r', 5],
    ['a whole event', 'retry: 5000\nid: 7\nevent: hello\ndata: {"a":1}\n\n', 7],
    ['multi-line data', 'data: first\ndata: second\n\n', 11],
    ['a BOM at the start', '\ufeffdata: x\n', 1],
    ['an unterminated value so far', 'data: abc', 3],
    ['UTF-8 values count bytes', 'data: héllo ✓\n', Buffer.byteLength('héllo ✓')],
  ];
  for (const [name, text, payload] of cases) {
    it(name, () => {
      const bytes = Buffer.from(text);
      const split = new SseFramer().push(bytes);
      assert.deepEqual(split, { header: bytes.length - payload, payload });
      assert.deepEqual(split, oracle(bytes));
    });
  }

  it('handles a CRLF split between chunks', () => {
    const stream = Buffer.from('data: ab\r\ndata: cd\r\n');
    assert.deepEqual(feed(stream, [9]), { header: stream.length - 4, payload: 4 });
    assert.deepEqual(feed(stream, [8, 9, 10]), { header: stream.length - 4, payload: 4 });
  });

  it('handles "data: " split byte by byte', () => {
    const stream = Buffer.from('id: 1\ndata: xyz\n\n');
    const cuts = Array.from({ length: stream.length }, (_, i) => i);
    assert.deepEqual(feed(stream, cuts), { header: stream.length - 3, payload: 3 });
  });

  it('a BOM only counts at the very start of the stream', () => {
    const stream = Buffer.from('data: a\n\ufeffdata: b\n');
    // The second line's name is "\ufeffdata", not "data": all header.
    assert.deepEqual(new SseFramer().push(stream), { header: stream.length - 1, payload: 1 });
    assert.deepEqual(feed(Buffer.from('\ufeffdata: b\n'), [1, 2]), { header: 10, payload: 1 });
  });

  it('reset() starts a new stream', () => {
    const framer = new SseFramer();
    framer.push(Buffer.from('data: half'));
    framer.reset();
    assert.deepEqual(framer.push(Buffer.from('id: 1\n')), { header: 6, payload: 0 });
  });

  it('property: any chunking gives the oracle split, and every byte is counted', () => {
    const token = fc.constantFrom(
      'data',
      'data:',
      'data: ',
      ':',
      ' ',
      '\n',
      '\r',
      '\r\n',
      'id: 3',
      'event',
      'x',
      'dat',
      'é',
    );
    fc.assert(
      fc.property(
        fc
          .array(token, { maxLength: 60 })
          .map((t) => Buffer.from(t.join('')))
          .chain((stream) => fc.tuple(fc.constant(stream), cutsOf(stream.length))),
        ([stream, cuts]) => {
          const got = feed(stream, cuts);
          assert.deepEqual(got, oracle(stream));
          assert.equal(got.header + got.payload, stream.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary bytes too', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }).chain((b) => fc.tuple(fc.constant(Buffer.from(b)), cutsOf(b.length))),
        ([stream, cuts]) => {
          const got = feed(stream, cuts);
          assert.deepEqual(got, oracle(stream));
          assert.equal(got.header + got.payload, stream.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
