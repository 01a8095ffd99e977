/**
 * HTTP/1.1 streams for the framer tests: summaries of framer items, chunked feeding, and
 * fast-check arbitraries of valid request and response streams with their exact payloads.
 */
import fc from 'fast-check';
import type { RequestItem, RequestStart, ResponseItem, ResponseStart } from '../../server/metering/http-framer.ts';
import type { Switched } from '../../server/metering/http1-framer.ts';

export type Event = RequestStart | ResponseStart<unknown> | Switched;
/** Items folded per message: the event, then the header and payload bytes that follow it. */
export type Summary = Array<{ event: Event | null; header: number; payload: number }>;

export function summarize(items: ReadonlyArray<RequestItem | ResponseItem<unknown>>): Summary {
  const out: Summary = [{ event: null, header: 0, payload: 0 }];
  for (const item of items) {
    if ('part' in item) {
      const last = out[out.length - 1];
      if (last) last[item.part] += item.bytes;
    } else out.push({ event: item, header: 0, payload: 0 });
  }
  return out;
}

export const cutsOf = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 30 }).map((c) => c.sort((a, b) => a - b));

/** Feeds `stream` cut at `cuts` and returns every item, in order. */
export function run<I>(push: (chunk: Buffer) => I[], stream: Buffer, cuts: readonly number[] = []): I[] {
  const items: I[] = [];
  let from = 0;
  for (const cut of [...cuts, stream.length]) {
    items.push(...push(stream.subarray(from, cut)));
    from = cut;
  }
  return items;
}

export const req = (method: string, path: string, isUpgrade = false): RequestStart => ({
  event: 'request',
  method,
  path,
  isUpgrade,
  inspect: undefined,
});
export const res = (status: number, tag: unknown, isEventStream = false): ResponseStart<unknown> => ({
  event: 'response',
  status,
  isEventStream,
  tag,
});

// ---- properties: any chunking of a valid stream gives the same messages and exact counts ----

export interface Message {
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

export const requestArb = fc
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

export const sseText = fc
  .array(fc.constantFrom('data: ', 'data:', 'id: 4', ': heartbeat', 'event: x', 'abc', '{"a":1}', '\n', '\r\n', 'é'), {
    maxLength: 20,
  })
  .map((t) => Buffer.from(t.join('')));

export const sseOracle = (b: Buffer): number =>
  b
    .toString('latin1')
    .split(/\r\n|\r|\n/)
    .reduce(
      (n, line) => n + (line.startsWith('data: ') ? line.length - 6 : line.startsWith('data:') ? line.length - 5 : 0),
      0,
    );

export const responseArb = fc
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
