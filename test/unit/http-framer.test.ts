import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HeadMemo } from '../../server/metering/head-memo.ts';
import {
  type ParsedRequest,
  type ParsedResponse,
  RequestFramer,
  type RequestItem,
  type RequestStart,
  ResponseFramer,
  type ResponseItem,
  type ResponseStart,
  type Switched,
} from '../../server/metering/http-framer.ts';

type Event = RequestStart | ResponseStart<unknown> | Switched;
/** Items folded per message: the event, then the header and payload bytes that follow it. */
type Summary = Array<{ event: Event | null; header: number; payload: number }>;

function summarize(items: ReadonlyArray<RequestItem | ResponseItem<unknown>>): Summary {
  const out: Summary = [{ event: null, header: 0, payload: 0 }];
  for (const item of items) {
    if ('part' in item) {
      const last = out[out.length - 1];
      if (last) last[item.part] += item.bytes;
    } else out.push({ event: item, header: 0, payload: 0 });
  }
  return out;
}

const cutsOf = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 30 }).map((c) => c.sort((a, b) => a - b));

/** Feeds `stream` cut at `cuts` and returns every item, in order. */
function run<I>(push: (chunk: Buffer) => I[], stream: Buffer, cuts: readonly number[] = []): I[] {
  const items: I[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    items.push(...push(stream.subarray(from, cut)));
    from = cut;
  }
  return items;
}

const req = (method: string, path: string, isUpgrade = false): RequestStart => ({
  event: 'request',
  method,
  path,
  isUpgrade,
  inspect: undefined,
});
const res = (status: number, tag: unknown, isEventStream = false): ResponseStart<unknown> => ({
  event: 'response',
  status,
  isEventStream,
  tag,
});

describe('RequestFramer', () => {
  it('a GET is all header, reported with its request', () => {
    const head = 'GET /api/poll?after=3 HTTP/1.1\r\nHost: a\r\n\r\n';
    const framer = new RequestFramer();
    assert.deepEqual(framer.push(Buffer.from(head)), [req('GET', '/api/poll'), { part: 'header', bytes: head.length }]);
    assert.equal(framer.pending, 0);
  });

  it('a Content-Length body is payload', () => {
    const head = 'POST /api/publish HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(`${head}{"body":"hi"}`));
    assert.deepEqual(summarize(items), [
      { event: null, header: 0, payload: 0 },
      { event: req('POST', '/api/publish'), header: head.length, payload: 13 },
    ]);
  });

  it('chunk-size lines, extensions, CRLFs and trailers are header; chunk data is payload', () => {
    const head = 'POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n';
    const body = '5\r\nhello\r\n3;name=value\r\nabc\r\nA;q="a b"\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(head + body));
    assert.deepEqual(summarize(items)[1], {
      event: req('POST', '/up'),
      header: head.length + body.length - 18,
      payload: 18,
    });
  });

  it('pipelined requests come apart in order, each with its own bytes', () => {
    const a = 'GET /api/poll HTTP/1.1\r\nHost: a\r\n\r\n';
    const b = 'POST /api/publish HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi';
    const c = 'GET /api/sse HTTP/1.1\r\n\r\n';
    assert.deepEqual(summarize(new RequestFramer().push(Buffer.from(a + b + c))), [
      { event: null, header: 0, payload: 0 },
      { event: req('GET', '/api/poll'), header: a.length, payload: 0 },
      { event: req('POST', '/api/publish'), header: b.length - 2, payload: 2 },
      { event: req('GET', '/api/sse'), header: c.length, payload: 0 },
    ]);
  });

  it('a head split anywhere is reported once, when complete', () => {
    const head = Buffer.from('GET /ws?x=1 HTTP/1.1\r\nHost: a\r\n\r\n');
    const framer = new RequestFramer();
    for (let i = 0; i < head.length - 1; i++) {
      assert.deepEqual(framer.push(head.subarray(i, i + 1)), []);
      assert.equal(framer.pending, i + 1);
    }
    assert.deepEqual(framer.push(head.subarray(head.length - 1)), [
      req('GET', '/ws'),
      { part: 'header', bytes: head.length },
    ]);
    assert.equal(framer.pending, 0);
  });

  it('finish() hands back an unfinished head', () => {
    const framer = new RequestFramer();
    framer.push(Buffer.from('GET / HTTP/1.1\r\nHo'));
    assert.equal(framer.finish(), 18);
    assert.deepEqual(framer.push(Buffer.from('st: a\r\n\r\n')), [{ part: 'header', bytes: 9 }]);
  });

  it('leading empty lines belong to the next head; extra spaces in the request line are fine', () => {
    const text = '\r\n\r\nGET  /a  HTTP/1.0\r\nHost: x\r\n\r\n';
    assert.deepEqual(new RequestFramer().push(Buffer.from(text)), [
      req('GET', '/a'),
      { part: 'header', bytes: text.length },
    ]);
  });

  it('absolute-form targets give their path', () => {
    const items = new RequestFramer().push(Buffer.from('GET http://example.com:81/api/poll?a=1 HTTP/1.1\r\n\r\n'));
    assert.deepEqual(items[0], req('GET', '/api/poll'));
  });

  it('an upgrade request switches after its head, leaving the rest of the chunk', () => {
    const head = 'GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n';
    const framer = new RequestFramer();
    assert.deepEqual(framer.push(Buffer.from(`${head}\x81\x80abcd`, 'latin1')), [
      req('GET', '/ws', true),
      { part: 'header', bytes: head.length },
      { event: 'switch', rest: 6 },
    ]);
    // Fed anyway after the switch: counted as header, nothing parsed.
    assert.deepEqual(framer.push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), [{ part: 'header', bytes: 18 }]);
  });

  it('an upgrade nobody takes over is an ordinary request', () => {
    const head = 'GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n';
    const framer = new RequestFramer({ upgradeTakesOver: () => false });
    assert.deepEqual(summarize(framer.push(Buffer.from(head + head))).slice(1), [
      { event: req('GET', '/ws', true), header: head.length, payload: 0 },
      { event: req('GET', '/ws', true), header: head.length, payload: 0 },
    ]);
  });

  it('Upgrade without Connection: upgrade is no upgrade', () => {
    const items = new RequestFramer().push(Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'));
    assert.deepEqual(items[0], req('GET', '/ws', false));
  });

  it('a malformed head is header, and so is everything after it', () => {
    for (const bad of [
      'GET / HTTP/1.1\r\nBad Header\r\n\r\n',
      'GET / HTTP/1.1\r\nSpace : x\r\n\r\n',
      'NOT HTTP AT ALL\r\n\r\n',
      'GET / HTTP/3.0\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n',
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n',
      'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
      'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n',
      'GET / HTTP/1.1\nHost: a\n\n',
      'GET / HTTP/1.1\r\nHost: a\n\r\n',
      'GET / HTTP/1.1\r\nX-Fold: a\r\n b\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n',
      'GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n',
      'GET /caf\u00e9 HTTP/1.1\r\n\r\n',
      'GET\t/ HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.2\r\n\r\n',
      'get / HTTP/1.1\r\n\r\n',
      'BREW / HTTP/1.1\r\n\r\n',
    ]) {
      const framer = new RequestFramer({ methods: new Set(['GET', 'POST']) });
      const stream = Buffer.from(`${bad}GET / HTTP/1.1\r\n\r\n`);
      assert.deepEqual(framer.push(stream), [{ part: 'header', bytes: stream.length }], bad);
      assert.equal(framer.failed, true);
    }
  });

  it('bad chunk framing is header from there on: no CRLF after data, bare LF, whitespace in the size', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const [body, payload] of [
      ['3\r\nabc\n0\r\n\r\n', 3],
      ['3\nabc\r\n0\r\n\r\n', 0],
      ['3 \r\nabc\r\n0\r\n\r\n', 0],
      ['3\r\nabc\r\n0\r\nX: y\n\r\n', 3],
    ] as const) {
      const framer = new RequestFramer();
      const [, message] = summarize(framer.push(Buffer.from(head + body)));
      assert.deepEqual(
        message,
        { event: req('POST', '/'), header: head.length + body.length - payload, payload },
        body,
      );
      assert.equal(framer.failed, true);
    }
  });

  it('bad chunk framing is header from there on', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';
    const items = new RequestFramer().push(Buffer.from(`${head}3\r\nabcXY5\r\nhello\r\n0\r\n\r\n`));
    assert.deepEqual(items.slice(1), [
      { part: 'header', bytes: head.length + 3 },
      { part: 'payload', bytes: 3 },
      { part: 'header', bytes: 17 },
    ]);
  });

  it('a head over the cap is counted as header without being kept', () => {
    const framer = new RequestFramer({ maxHeadSize: 100 });
    const big = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(200)}`);
    assert.deepEqual(framer.push(big.subarray(0, 50)), []);
    assert.deepEqual(framer.push(big.subarray(50)), [{ part: 'header', bytes: big.length }]);
    assert.equal(framer.pending, 0);
    assert.equal(framer.failed, true);
  });
});

describe('ResponseFramer', () => {
  it('matches responses to expected requests in order, and carries their tags', () => {
    const a = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const b = 'HTTP/1.1 204 No Content\r\n\r\n';
    const c = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
    const framer = new ResponseFramer<string>();
    framer.expect('GET', 'a');
    framer.expect('DELETE', 'b');
    framer.expect('HEAD', 'c');
    assert.equal(framer.queued, 3);
    assert.deepEqual(summarize(framer.push(Buffer.from(a + b + c))).slice(1), [
      { event: res(200, 'a'), header: a.length - 5, payload: 5 },
      { event: res(204, 'b'), header: b.length, payload: 0 },
      { event: res(200, 'c'), header: c.length, payload: 0 },
    ]);
    assert.equal(framer.queued, 0);
  });

  it('a response nobody asked for has no tag (Node answering garbage with 400)', () => {
    const text = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
    assert.deepEqual(new ResponseFramer().push(Buffer.from(text)), [
      res(400, undefined),
      { part: 'header', bytes: text.length },
    ]);
  });

  it('1xx interim responses are header and do not consume the request; 304 has no body', () => {
    const cont = 'HTTP/1.1 100 Continue\r\n\r\n';
    const final = 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n';
    const framer = new ResponseFramer<number>();
    framer.expect('PUT', 1);
    assert.deepEqual(summarize(framer.push(Buffer.from(cont + final))).slice(1), [
      { event: res(100, 1), header: cont.length, payload: 0 },
      { event: res(304, 1), header: final.length, payload: 0 },
    ]);
  });

  it('chunked bodies: framing is header, data is payload', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = '1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n';
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    assert.deepEqual(summarize(framer.push(Buffer.from(head + body)))[1], {
      event: res(200, 'x'),
      header: head.length + body.length - 26,
      payload: 26,
    });
  });

  it('without a length the body runs until close', () => {
    const head = 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n';
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    framer.push(Buffer.from(head));
    assert.deepEqual(framer.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), [{ part: 'payload', bytes: 19 }]);
  });

  it('splits an event-stream body by SSE syntax, inside the chunk framing', () => {
    const head =
      'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n';
    const events = ['retry: 1000\nid: 1\nevent: hello\ndata: {"a":1}\n\n', ': heartbeat\n\n', 'id: 2\ndata: xyz\n\n'];
    const body = `${events.map((e) => `${Buffer.byteLength(e).toString(16)}\r\n${e}\r\n`).join('')}0\r\n\r\n`;
    const framer = new ResponseFramer();
    framer.expect('GET', 'sse');
    const [, message] = summarize(run((c) => framer.push(c), Buffer.from(head + body), [70, 95, 100, 101, 150]));
    assert.deepEqual(message, {
      event: res(200, 'sse', true),
      header: head.length + body.length - 10,
      payload: 10,
    });
  });

  it('a 101 switches right after its head', () => {
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    const framer = new ResponseFramer<string>();
    framer.expect('GET', 'ws');
    assert.deepEqual(framer.push(Buffer.from(`${head}\x81\x02hi`, 'latin1')), [
      res(101, 'ws'),
      { part: 'header', bytes: head.length },
      { event: 'switch', rest: 4 },
    ]);
    assert.equal(framer.queued, 0);
  });

  it('a response that is no HTTP is header', () => {
    const framer = new ResponseFramer();
    framer.expect('GET', 'x');
    assert.deepEqual(framer.push(Buffer.from('garbage\r\n\r\nmore')), [{ part: 'header', bytes: 15 }]);
    assert.equal(framer.failed, true);
  });
});

// ---- properties: any chunking of a valid stream gives the same messages and exact counts ----

interface Message {
  text: Buffer;
  payload: number;
}

const TOKENISH = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const VALUE = fc.stringMatching(/^[ -~]{0,20}$/).map((v) => v.trim());

function chunkedBody(pieces: readonly Buffer[], withExtensions: boolean, trailers: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pieces) {
    if (p.length === 0) continue;
    parts.push(Buffer.from(`${p.length.toString(16)}${withExtensions ? ';x=1' : ''}\r\n`), p, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
  return Buffer.concat(parts);
}

const bodyArb = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('length' as const), data: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({
    kind: fc.constant('chunked' as const),
    pieces: fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 4 }),
    ext: fc.boolean(),
    trailers: fc.array(
      fc.tuple(TOKENISH, VALUE).map(([n, v]) => `x-${n}: ${v}`),
      { maxLength: 2 },
    ),
  }),
);

const requestArb = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'),
    path: fc.constantFrom('/api/poll', '/api/long-poll', '/api/sse', '/x/y', '/'),
    query: fc.option(fc.stringMatching(/^[a-z0-9=&]{0,12}$/), { nil: undefined }),
    leadingCrlf: fc.boolean(),
    headers: fc.array(fc.tuple(TOKENISH, VALUE), { maxLength: 5 }),
    body: bodyArb,
  })
  .map((r): Message & { start: RequestStart } => {
    const lines = [`${r.method} ${r.path}${r.query === undefined ? '' : `?${r.query}`} HTTP/1.1`, 'Host: a'];
    for (const [n, v] of r.headers) lines.push(`x-${n}: ${v}`);
    let body: Buffer = Buffer.alloc(0);
    let payload = 0;
    if (r.body.kind === 'length') {
      lines.push(`Content-Length: ${r.body.data.length}`);
      body = Buffer.from(r.body.data);
      payload = body.length;
    } else if (r.body.kind === 'chunked') {
      lines.push('Transfer-Encoding: chunked');
      const pieces = r.body.pieces.map((p) => Buffer.from(p));
      body = chunkedBody(pieces, r.body.ext, r.body.trailers);
      payload = pieces.reduce((n, p) => n + p.length, 0);
    }
    const head = `${r.leadingCrlf ? '\r\n' : ''}${lines.join('\r\n')}\r\n\r\n`;
    return { text: Buffer.concat([Buffer.from(head), body]), payload, start: req(r.method, r.path) };
  });

const sseText = fc
  .array(fc.constantFrom('data: ', 'data:', 'id: 4', ': heartbeat', 'event: x', 'abc', '{"a":1}', '\n', '\r\n', 'é'), {
    maxLength: 20,
  })
  .map((t) => Buffer.from(t.join('')));

const sseOracle = (b: Buffer): number =>
  b
    .toString('latin1')
    .split(/\r\n|\r|\n/)
    .reduce(
      (n, line) => n + (line.startsWith('data: ') ? line.length - 6 : line.startsWith('data:') ? line.length - 5 : 0),
      0,
    );

const responseArb = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST'),
    status: fc.constantFrom(200, 201, 204, 304, 404),
    interim: fc.boolean(),
    headers: fc.array(fc.tuple(TOKENISH, VALUE), { maxLength: 4 }),
    eventStream: fc.boolean(),
    sse: fc.array(sseText, { maxLength: 3 }),
    body: bodyArb,
  })
  .map((r) => {
    const lines = [`HTTP/1.1 ${r.status} Whatever It Says`];
    for (const [n, v] of r.headers) lines.push(`x-${n}: ${v}`);
    if (r.eventStream) lines.push('Content-Type: text/event-stream');
    const bodyless = r.method === 'HEAD' || r.status === 204 || r.status === 304;
    let body: Buffer = Buffer.alloc(0);
    let payload = 0;
    if (r.eventStream) {
      lines.push('Transfer-Encoding: chunked');
      if (!bodyless) {
        body = chunkedBody(r.sse, false, []);
        payload = sseOracle(Buffer.concat(r.sse));
      }
    } else if (r.body.kind === 'length') {
      lines.push(`Content-Length: ${r.body.data.length}`);
      if (!bodyless) body = Buffer.from(r.body.data);
      payload = body.length;
    } else if (r.body.kind === 'chunked') {
      lines.push('Transfer-Encoding: chunked');
      const pieces = r.body.pieces.map((p) => Buffer.from(p));
      if (!bodyless) {
        body = chunkedBody(pieces, r.body.ext, r.body.trailers);
        payload = pieces.reduce((n, p) => n + p.length, 0);
      }
    } else lines.push('Content-Length: 0');
    const interim = r.interim ? 'HTTP/1.1 100 Continue\r\n\r\n' : '';
    const head = `${lines.join('\r\n')}\r\n\r\n`;
    return { ...r, interim, text: Buffer.concat([Buffer.from(interim + head), body]), payload };
  });

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
