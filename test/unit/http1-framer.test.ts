import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeadMemo } from '../../server/metering/head-memo.ts';
import {
  type ParsedRequest,
  type ParsedResponse,
  RequestFramer,
  type RequestItem,
  ResponseFramer,
  type ResponseItem,
} from '../../server/metering/http-framer.ts';
import { cutsOf, requestArb, res, responseArb, run, type Summary, summarize } from '../support/http-streams.ts';

describe('HTTP framers, properties', () => {
  it('requests: any chunking yields the same requests with exact header/payload', () => {
    fc.assert(
      fc.property(
        fc.array(requestArb, { minLength: 1, maxLength: 5 }).chain((messages) => {
          const stream = Buffer.concat(messages.map((m) => m.text));
          return fc.tuple(fc.constant(messages), fc.constant(stream), cutsOf(stream.length));
        }),
        ([messages, stream, cuts]) => {
          const framer = new RequestFramer();
          const got = summarize(run((c) => framer.push(c), stream, cuts));
          const want: Summary = [{ event: null, header: 0, payload: 0 }];
          for (const m of messages)
            want.push({ event: m.start, header: m.text.length - m.payload, payload: m.payload });
          assert.deepEqual(got, want);
          assert.equal(framer.pending, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('responses: any chunking yields the same responses with exact header/payload', () => {
    fc.assert(
      fc.property(
        fc.array(responseArb, { minLength: 1, maxLength: 4 }).chain((messages) => {
          const stream = Buffer.concat(messages.map((m) => m.text));
          return fc.tuple(fc.constant(messages), fc.constant(stream), cutsOf(stream.length));
        }),
        ([messages, stream, cuts]) => {
          const framer = new ResponseFramer<number>();
          messages.forEach((m, i) => {
            framer.expect(m.method, i);
          });
          const got = summarize(run((c) => framer.push(c), stream, cuts));
          const want: Summary = [{ event: null, header: 0, payload: 0 }];
          messages.forEach((m, i) => {
            if (m.interim) want.push({ event: res(100, i), header: m.interim.length, payload: 0 });
            want.push({
              event: res(m.status, i, m.eventStream),
              header: m.text.length - m.interim.length - m.payload,
              payload: m.payload,
            });
          });
          assert.deepEqual(got, want);
          assert.equal(framer.pending, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('garbage: every byte comes out exactly once, whatever the chunking', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc
        .array(
          fc.constantFrom(
            'GET / HTTP/1.1',
            '\r\n',
            '\n',
            'Content-Length: 3',
            'Transfer-Encoding: chunked',
            'abc',
            '5',
            ':',
          ),
          {
            maxLength: 30,
          },
        )
        .map((t) => Buffer.from(t.join(''))),
    );
    fc.assert(
      fc.property(
        bytes.chain((b) => fc.tuple(fc.constant(b), cutsOf(b.length))),
        ([stream, cuts]) => {
          const count = (items: ReadonlyArray<RequestItem | ResponseItem<unknown>>) =>
            items.reduce((n, i) => n + ('part' in i ? i.bytes : 'rest' in i ? i.rest : 0), 0);
          type Framer = { push(c: Buffer): Array<RequestItem | ResponseItem<unknown>>; finish(): number };
          const makers: Array<() => Framer> = [() => new RequestFramer(), () => new ResponseFramer()];
          for (const make of makers) {
            const framer = make();
            const whole = make();
            const items = run((c) => framer.push(c), stream, cuts);
            const once = run((c) => whole.push(c), stream);
            assert.equal(count(items) + framer.finish(), stream.length);
            assert.deepEqual(normalize(summarize(items)), normalize(summarize(once)));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** Feeds `stream` cut at `cuts`: every item, and every head text reported, in order. */
function runWithHeads<I>(
  framer: { push(chunk: Buffer): I[]; readonly heads: readonly string[] },
  stream: Buffer,
  cuts: readonly number[],
): { items: I[]; heads: string[] } {
  const heads: string[] = [];
  const items = run(
    (c) => {
      const got = framer.push(c);
      heads.push(...framer.heads);
      return got;
    },
    stream,
    cuts,
  );
  return { items, heads };
}

/** The heads of a stream of messages as the inspector shows them: no leading empty lines. */
const headTexts = (stream: Buffer): string[] =>
  [
    ...stream.toString('latin1').matchAll(/(?:\r\n)*((?:GET|POST|PUT|DELETE|OPTIONS|HTTP\/1\.1) [\s\S]*?\r\n\r\n)/g),
  ].map((m) => m[1] ?? '');

describe('HTTP framers, memoized heads', () => {
  it('requests: a memo warmed by other framers changes nothing, whatever the chunking', () => {
    const memo = new HeadMemo<ParsedRequest>();
    fc.assert(
      fc.property(
        fc.array(requestArb, { minLength: 1, maxLength: 5 }).chain((messages) => {
          const stream = Buffer.concat(messages.map((m) => m.text));
          return fc.tuple(fc.constant(stream), cutsOf(stream.length), cutsOf(stream.length));
        }),
        ([stream, warmCuts, cuts]) => {
          const plain = runWithHeads(new RequestFramer(), stream, cuts);
          runWithHeads(new RequestFramer({ memo }), stream, warmCuts);
          const memoized = runWithHeads(new RequestFramer({ memo }), stream, cuts);
          assert.deepEqual(summarize(memoized.items), summarize(plain.items));
          assert.deepEqual(memoized.heads, plain.heads);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('requests: heads are reported as sent, without leading empty lines', () => {
    const stream = Buffer.from(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET /a HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const framer = new RequestFramer();
    for (const cuts of [[], [3, 40, 41, 60]]) {
      assert.deepEqual(runWithHeads(framer, stream, cuts).heads, headTexts(stream));
    }
  });

  it('responses: a memo warmed by other framers changes nothing, whatever the chunking', () => {
    const memo = new HeadMemo<ParsedResponse>();
    fc.assert(
      fc.property(
        fc.array(responseArb, { minLength: 1, maxLength: 4 }).chain((messages) => {
          const stream = Buffer.concat(messages.map((m) => m.text));
          return fc.tuple(fc.constant(messages), fc.constant(stream), cutsOf(stream.length), cutsOf(stream.length));
        }),
        ([messages, stream, warmCuts, cuts]) => {
          const make = (options: { memo?: HeadMemo<ParsedResponse> }) => {
            const framer = new ResponseFramer<number>(options);
            messages.forEach((m, i) => {
              framer.expect(m.method, i);
            });
            return framer;
          };
          const plain = runWithHeads(make({}), stream, cuts);
          runWithHeads(make({ memo }), stream, warmCuts);
          const memoized = runWithHeads(make({ memo }), stream, cuts);
          assert.deepEqual(summarize(memoized.items), summarize(plain.items));
          assert.deepEqual(memoized.heads, plain.heads);
          assert.deepEqual(plain.heads, headTexts(stream).slice(0, plain.heads.length));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('garbage: a memo holding every head in it changes nothing', () => {
    const good = 'GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\n';
    const memo = new HeadMemo<ParsedRequest>();
    new RequestFramer({ memo }).push(Buffer.from(good));
    const bytes = fc
      .array(fc.constantFrom(good, 'GET / HTTP/1.1', '\r\n', '\n', 'Content-Length: 3', 'abc', ':'), { maxLength: 20 })
      .map((t) => Buffer.from(t.join('')));
    fc.assert(
      fc.property(
        bytes.chain((b) => fc.tuple(fc.constant(b), cutsOf(b.length))),
        ([stream, cuts]) => {
          const plain = new RequestFramer();
          const memoized = new RequestFramer({ memo });
          const a = runWithHeads(plain, stream, cuts);
          const b = runWithHeads(memoized, stream, cuts);
          assert.deepEqual(normalize(summarize(b.items)), normalize(summarize(a.items)));
          assert.deepEqual(b.heads, a.heads);
          assert.equal(memoized.finish(), plain.finish());
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A switch's `rest` and the header fed after it are the same bytes however they were cut: fold them. */
function normalize(summary: Summary): Summary {
  return summary.map((m) =>
    m.event?.event === 'switch'
      ? { event: { event: 'switch', rest: 0 }, header: m.header + m.event.rest, payload: m.payload }
      : m,
  );
}
