import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { base64ToBytes } from '../../client/lib/base64.ts';
import {
  type ClientOptions,
  type ClientTransport,
  createTransport,
  createWsTransport,
  type FeedMessage,
  publishHttp,
} from '../../client/lib/index.ts';
import type { StatsResponse, TransportName } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
/** Every transport, socket.io on each of its own two. */
const READERS: ReadonlyArray<{ name: TransportName; label: string; opts?: Partial<ClientOptions> }> = [
  ...(['poll', 'long-poll', 'sse', 'ws'] as const).map((name) => ({ name, label: name })),
  { name: 'socketio', label: 'socketio/websocket', opts: { socketioTransport: 'websocket' } },
  { name: 'socketio', label: 'socketio/polling', opts: { socketioTransport: 'polling' } },
];

describe('binary messages', () => {
  let s: RunningServer;
  before(async () => {
    s = await startTestServer({ publishRate: 0 });
  });
  after(() => s.close());

  /** One client per transport from the current head, collecting what arrives. */
  function clients() {
    const from = { after: s.feed.head, epoch: s.feed.epoch };
    return READERS.map(({ name, label, opts }) => {
      const got: FeedMessage[] = [];
      const t: ClientTransport = createTransport(name, {
        baseUrl: s.url,
        WebSocket,
        EventSource,
        pollIntervalMs: 30,
        ...opts,
      });
      t.start(from, { messages: (b) => got.push(...b), reset() {}, error() {} });
      return { name: label, got, t };
    });
  }

  it('arrives byte-identical on every transport and socket.io: all 256 byte values, published over HTTP', async () => {
    const readers = clients();
    const { seq } = await publishHttp(s.url, { body: ALL_BYTES });
    await waitFor(() => readers.every((r) => r.got.length >= 1), 10_000, 'every transport got it');
    for (const r of readers) {
      r.t.stop();
      const m = r.got[0];
      assert.ok(m, r.name);
      assert.equal(m.seq, seq);
      assert.equal(m.encoding, 'base64', r.name);
      assert.deepEqual(base64ToBytes(String(m.body)), ALL_BYTES, r.name);
    }
    // Every transport hands over the very same object shape.
    const shapes = readers.map((r) => JSON.stringify(r.got[0]));
    assert.equal(new Set(shapes).size, 1);
  });

  it('can be published as a WebSocket binary frame, acked in order', async () => {
    const readers = clients();
    const ws = createWsTransport({ baseUrl: s.url, WebSocket });
    let open = false;
    ws.start({}, { messages() {}, reset() {}, error() {}, state: (st) => (open ||= st === 'open') });
    await waitFor(() => open, 10_000, 'open');
    const acks = await Promise.all([ws.publishBinary(ALL_BYTES), ws.publishBinary(Uint8Array.of(7))]);
    assert.equal(acks[1]?.seq, (acks[0]?.seq ?? 0) + 1);
    await waitFor(() => readers.every((r) => r.got.length >= 2), 10_000, 'both arrived everywhere');
    for (const r of readers) {
      r.t.stop();
      assert.deepEqual(base64ToBytes(String(r.got[0]?.body)), ALL_BYTES, r.name);
      assert.deepEqual(base64ToBytes(String(r.got[1]?.body)), Uint8Array.of(7), r.name);
    }
    ws.stop();
  });

  it('travels raw on the WebSocket and base64 on the others: the bytes on the wire say so', async () => {
    await s.close();
    s = await startTestServer({ publishRate: 0 });
    const readers = clients();
    const size = 3000;
    await publishHttp(s.url, { body: Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff) });
    await waitFor(() => readers.every((r) => r.got.length >= 1), 10_000, 'delivered');
    for (const r of readers) r.t.stop();
    const stats = (await (await fetch(`${s.url}/api/stats`)).json()) as StatsResponse;
    const base64 = Math.ceil(size / 3) * 4;
    // The WebSocket frame carries the 3 000 bytes plus a small envelope; SSE carries the base64 text.
    assert.ok(stats.transports.ws.bytesOut.payload < size + 200, `ws ${stats.transports.ws.bytesOut.payload}`);
    assert.ok(stats.transports.sse.bytesOut.payload > base64, `sse ${stats.transports.sse.bytesOut.payload}`);
    // socket.io carries the same base64 envelope, on each of its transports.
    const sio = stats.transports.socketio.bytesOut.payload;
    assert.ok(sio > 2 * base64 && sio < 2 * (base64 + 200), `socketio ${sio}`);
  });

  it('refuses an empty or oversized binary body, and a bad source, storing nothing', async () => {
    const head = s.feed.head;
    const post = (body: Uint8Array<ArrayBuffer>, query = '') =>
      fetch(`${s.url}/api/messages${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      });
    const cases: Array<[Response, number, string]> = [
      [await post(new Uint8Array(0)), 400, 'INVALID_MESSAGE'],
      [await post(new Uint8Array(9000)), 413, 'PAYLOAD_TOO_LARGE'],
      [await post(Uint8Array.of(1), '?source=ticker'), 400, 'INVALID_MESSAGE'],
    ];
    for (const [res, status, code] of cases) {
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, code);
    }
    assert.equal(s.feed.head, head);
  });
});
