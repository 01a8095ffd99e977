import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { Driver } from '../../client/lib/driver.ts';
import { createTransport, createWsTransport, publishHttp, ServerError } from '../../client/lib/index.ts';
import type { ClientOptions, ClientTransport, FetchLike } from '../../client/lib/types.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import type { Config } from '../../server/config.ts';
import { MemoryFeed } from '../../server/feed/memory-feed.ts';
import { type RunningServer, startServer } from '../../server/server.ts';
import { Recorder } from '../support/client-recorder.ts';
import { testConfig, waitFor } from '../support/server.ts';

/** A quiet server; `port` fixed when a test restarts one on the same address. */
const serve = (overrides: Partial<Config> = {}, feed?: MemoryFeed) =>
  startServer(testConfig(overrides), feed ? { feed } : {});

/** What a Node user passes: the injected WebSocket and EventSource, and short test timings. */
const clientOptions = (url: string, extra: Partial<ClientOptions> = {}): ClientOptions => ({
  baseUrl: url,
  pollIntervalMs: 50,
  longPollTimeoutMs: 5000,
  backoff: { initialMs: 20, maxMs: 200 },
  WebSocket,
  EventSource,
  ...extra,
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Publishes `bodies` one after the other over HTTP; returns their seqs. */
async function publishAll(url: string, bodies: string[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const body of bodies) seqs.push((await publishHttp(url, { body })).seq);
  return seqs;
}

/**
 * Resolves once a transport started live (no `after`) is positioned at the server, so a
 * message published now is one it must get: it holds a cursor, or (long-poll, which learns
 * its cursor only from a message) its request is held.
 */
function live(name: TransportName, t: ClientTransport, rec: Recorder, s: RunningServer) {
  if (name === 'long-poll')
    return waitFor(() => s.stats.transports['long-poll'].held === 1, 20_000, 'a held long-poll');
  return rec.until(() => t.position.after !== undefined, 'a position');
}

/**
 * Resolves once the server holds nothing for this transport: no open stream (sse, ws), no held
 * request (long-poll), no feed subscriber. For poll and long-poll the `connections` gauge also
 * counts idle keep-alive sockets of the HTTP client's pool, which outlive any transport by the
 * pool's own timeout; that a stopped one sends nothing more is checked with a counting fetch.
 */
function released(name: TransportName, s: RunningServer) {
  const t = s.stats.transports[name];
  const streaming = name === 'sse' || name === 'ws';
  return waitFor(
    () => (streaming ? t.connections === 0 : true) && t.held === 0 && s.feed.subscribers === 0,
    3000,
    `${name} released`,
  );
}

/**
 * `make` creates a transport and remembers it; `afterEach` (to register in a describe) stops
 * them after each test, so a failing one leaks nothing into the next.
 */
function transports() {
  const started = new Set<ClientTransport>();
  const make = (name: TransportName, opts: ClientOptions) => {
    const t = createTransport(name, opts);
    started.add(t);
    return t;
  };
  afterEach(() => {
    for (const t of started) t.stop();
    started.clear();
  });
  return make;
}

// The four transports' tests run at the same time, each on its own server: they wait on
// sockets and timers far more than they use the CPU.
describe('client transports', { concurrency: true }, () => {
  for (const name of TRANSPORT_NAMES) {
    describe(`client transport ${name}`, { concurrency: 1 }, () => {
      let s: RunningServer;
      before(async () => {
        s = await serve({ historySize: 10 });
      });
      const make = transports();
      after(() => s.close());

      /** Publishes 12 messages (2 more than the history keeps), starts a transport at `from(head)`, waits for the 10 kept. */
      async function fillThenStart(label: string, from: (head: number) => { after: number; epoch: string }) {
        await publishAll(
          s.url,
          range(1, 12).map((i) => `${label} ${i}`),
        );
        const head = s.feed.head;
        const t = make(name, clientOptions(s.url));
        const rec = new Recorder();
        t.start(from(head), rec);
        await rec.until(() => rec.received.length >= 10, 'the retained messages');
        return { t, rec, head };
      }

      it('delivers published messages in order, with position and receive times', async () => {
        const t = make(name, clientOptions(s.url));
        const rec = new Recorder();
        const from = { after: s.feed.head, epoch: s.feed.epoch };
        t.start(from, rec);
        const seqs = await publishAll(s.url, ['a', 'b', 'c', 'd', 'e']);
        await rec.until(() => rec.received.length >= 5, '5 messages');
        assert.deepEqual(rec.seqs, seqs);
        assert.deepEqual(
          rec.received.map((m) => m.body),
          ['a', 'b', 'c', 'd', 'e'],
        );
        assert.deepEqual(t.position, { after: seqs[4], epoch: s.feed.epoch });
        rec.received.forEach((m, i) => {
          assert.ok((rec.receivedAt[i] ?? 0) >= m.ts, 'received after it was published');
        });
        assert.equal(rec.resets.length, 0);
        assert.deepEqual(rec.errors, []);
        assert.ok(rec.records.length > 0, 'exchanges are recorded');
        for (const r of rec.records) {
          assert.equal(r.transport, name);
          assert.ok(r.doneAt >= r.sentAt);
        }
        const carried = rec.records.reduce((n, r) => n + r.messages, 0);
        assert.equal(carried, 5, 'records carry every message once');
        const healthy = name === 'sse' || name === 'ws' || name === 'socketio' ? 'open' : 'waiting';
        assert.equal(rec.states[0], 'connecting');
        assert.ok(rec.states.includes(healthy), `${name} reports ${healthy}: ${rec.states.join(' → ')}`);
        assert.ok(!rec.states.includes('reconnecting'));
        t.stop();
        assert.equal(rec.states.at(-1), 'closed');
        await released(name, s);
      });

      it('starts live from now when no position is given', async () => {
        const [old] = await publishAll(s.url, ['before start']);
        const t = make(name, clientOptions(s.url));
        const rec = new Recorder();
        t.start({}, rec);
        await live(name, t, rec, s);
        const [seq] = await publishAll(s.url, ['after start']);
        await rec.until(() => rec.received.length >= 1, 'the live message');
        assert.deepEqual(rec.seqs, [seq]);
        assert.ok(!rec.seqs.includes(old ?? -1));
        assert.deepEqual(t.position, { after: seq, epoch: s.feed.epoch });
        t.stop();
        await released(name, s);
      });

      it('resumes a new transport from the old position with exactly the missed messages', async () => {
        const first = make(name, clientOptions(s.url));
        const rec1 = new Recorder();
        first.start({ after: s.feed.head, epoch: s.feed.epoch }, rec1);
        const before = await publishAll(s.url, ['r1', 'r2']);
        await rec1.until(() => rec1.received.length >= 2, '2 messages');
        first.stop();
        const position = first.position;
        assert.deepEqual(position, { after: before[1], epoch: s.feed.epoch });

        const missed = await publishAll(s.url, ['m1', 'm2', 'm3']);
        const second = make(name, clientOptions(s.url));
        const rec2 = new Recorder();
        second.start(position, rec2);
        await rec2.until(() => rec2.received.length >= 3, 'the missed messages');
        const live = await publishAll(s.url, ['l1']);
        await rec2.until(() => rec2.received.length >= 4, 'the live message');
        assert.deepEqual(rec2.seqs, [...missed, ...live]);
        assert.deepEqual(rec1.seqs, before, 'nothing reached the stopped transport');
        assert.equal(rec2.resets.length, 0);
        second.stop();
        await released(name, s);
      });

      it('reports a reset for a foreign epoch, then delivers from the oldest retained message', async () => {
        const { t, rec, head } = await fillThenStart('fill', () => ({ after: 3, epoch: 'foreign' }));
        const oldest = head - 10 + 1;
        assert.deepEqual(rec.resets, [
          { epoch: s.feed.epoch, cursor: oldest - 1, previousEpoch: 'foreign', previousCursor: 3 },
        ]);
        assert.ok('reset' in (rec.seen[0] ?? {}), 'the reset comes before the messages');
        assert.deepEqual(rec.seqs, range(oldest, head));
        assert.deepEqual(t.position, { after: head, epoch: s.feed.epoch });
        t.stop();
        await released(name, s);
      });

      it('reports a reset for an evicted cursor in the same epoch', async () => {
        const { t, rec, head } = await fillThenStart('evict', (h) => ({ after: h - 11, epoch: s.feed.epoch }));
        assert.deepEqual(rec.resets, [
          { epoch: s.feed.epoch, cursor: head - 10, previousEpoch: s.feed.epoch, previousCursor: head - 11 },
        ]);
        assert.deepEqual(rec.seqs, range(head - 9, head));
        t.stop();
        await released(name, s);
      });

      it('stops at once: nothing in flight, no timer, no callback afterwards', async () => {
        let fetches = 0;
        const counting: FetchLike = (input, init) => {
          fetches++;
          return fetch(input, init);
        };
        const t = make(name, clientOptions(s.url, { fetch: counting }));
        const rec = new Recorder();
        t.start({}, rec);
        await live(name, t, rec, s);
        t.stop();
        t.stop(); // idempotent
        assert.equal(rec.states.at(-1), 'closed');
        const callbacks = rec.states.length + rec.records.length + rec.errors.length;
        const fetchesAtStop = fetches;
        if (name === 'long-poll') {
          assert.equal(rec.records.at(-1)?.outcome, 'aborted', 'the held request is reported aborted');
        }
        await released(name, s);

        // A probe of the same kind runs for a few of its own cycles; the stopped one must stay silent.
        const probe = make(name, clientOptions(s.url));
        const seen = new Recorder();
        probe.start({ after: s.feed.head, epoch: s.feed.epoch }, seen);
        await publishAll(s.url, ['after stop 1']);
        await seen.until(() => seen.received.length >= 1, 'the probe message');
        if (name === 'poll') await seen.until(() => seen.records.length >= 4, '4 probe polls');
        await publishAll(s.url, ['after stop 2']);
        await seen.until(() => seen.received.length >= 2, 'the second probe message');
        probe.stop();
        assert.equal(rec.states.length + rec.records.length + rec.errors.length, callbacks, 'no callback after stop');
        assert.equal(rec.received.length, 0);
        assert.equal(fetches, fetchesAtStop, 'no request after stop');
        await released(name, s);
      });

      it('reconnects by itself after a server restart; a second recovery repeats nothing (socket.io #5419)', async (ctx) => {
        const feed = new MemoryFeed({ historySize: 100 });
        let server = await serve({}, feed);
        ctx.after(() => server.close()); // the last one, even if the test fails (an open server would hang the file)
        const port = Number(new URL(server.url).port);
        const t = make(name, clientOptions(server.url));
        const rec = new Recorder();
        t.start({ after: feed.head, epoch: feed.epoch }, rec);
        await publishAll(server.url, ['up 1', 'up 2']);
        await rec.until(() => rec.received.length >= 2, 'the first messages');
        for (const round of [1, 2]) {
          await server.close();
          for (let i = 0; i < 3; i++) await feed.publish({ source: 'chat', body: `down ${round}.${i}` });
          server = await serve({ port }, feed);
          await rec.until(() => rec.received.length >= 2 + 3 * round, `recovery ${round}`);
        }
        await publishAll(server.url, ['up 3']);
        await rec.until(() => rec.received.length >= 9, 'the last message');
        assert.deepEqual(rec.seqs, range(1, 9), 'every message once, in order');
        assert.deepEqual(rec.resets, []);
        if (name === 'sse' || name === 'ws') {
          // Their connection was cut (a poll may fall between the two servers unnoticed).
          assert.ok(rec.errors.length > 0, 'the outages were reported as errors');
          assert.ok(rec.states.includes('reconnecting'));
        }
        t.stop();
        await released(name, server);
        await server.close();
      });

      it('detects a restarted server (new epoch) and reports the reset before its messages', async (ctx) => {
        const first = await serve();
        ctx.after(() => first.close());
        const port = Number(new URL(first.url).port);
        const oldEpoch = first.feed.epoch;
        const t = make(name, clientOptions(first.url));
        const rec = new Recorder();
        t.start({ after: first.feed.head, epoch: oldEpoch }, rec);
        await publishAll(first.url, ['old 1', 'old 2']);
        await rec.until(() => rec.received.length >= 2, 'the first messages');
        await first.close();
        const second = await serve({ port });
        ctx.after(() => second.close());
        await rec.until(() => rec.resets.length >= 1, 'the reset');
        assert.deepEqual(rec.resets, [
          { epoch: second.feed.epoch, cursor: 0, previousEpoch: oldEpoch, previousCursor: 2 },
        ]);
        const [seq] = await publishAll(second.url, ['new 1']);
        await rec.until(() => rec.received.length >= 3, 'the new message');
        assert.equal(seq, 1);
        assert.deepEqual(
          rec.received.map((m) => m.body),
          ['old 1', 'old 2', 'new 1'],
        );
        assert.deepEqual(t.position, { after: 1, epoch: second.feed.epoch });
        t.stop();
        await released(name, second);
        await second.close();
      });
    });
  }
});

// Apart, one transport after another: each replaces Math.random for the whole process.
describe('client transports asked to reconnect', () => {
  const make = transports();
  for (const name of TRANSPORT_NAMES) {
    it(`${name} reconnects at once when asked, skipping the rest of the backoff`, async (ctx) => {
      ctx.mock.method(Math, 'random', () => 0.99); // every backoff delay is ~59 s
      const down = await serve();
      const port = Number(new URL(down.url).port);
      await down.close();
      const t = make(name, clientOptions(down.url, { backoff: { initialMs: 60_000, maxMs: 60_000 } }));
      assert.ok(t instanceof Driver, 'every transport is the driver');
      const rec = new Recorder();
      t.start({ after: 0 }, rec);
      await rec.until(() => rec.states.includes('reconnecting'), 'the refused first attempt');
      const up = await serve({ port });
      ctx.after(() => up.close());
      const [seq] = await publishAll(up.url, ['while backing off']);
      assert.equal(t.reconnectNow(), true);
      await rec.until(() => rec.received.length >= 1, 'the message, ~59 s before the backoff would retry');
      assert.deepEqual(rec.seqs, [seq]);
      assert.equal(t.reconnectNow(), false, 'nothing to hurry once connected');
      t.stop();
      await released(name, up);
    });
  }
});

describe('client publishing', () => {
  let s: RunningServer;
  before(async () => {
    s = await serve();
  });
  after(() => s.close());

  describe('#publishHttp', () => {
    it('resolves with the seq, and duplicate for a repeated id', async () => {
      const a = await publishHttp(s.url, { body: 'hello', id: 'http-1' });
      assert.deepEqual(a, { seq: s.feed.head, duplicate: false });
      assert.deepEqual(await publishHttp(s.url, { body: 'hello again', id: 'http-1' }), {
        seq: a.seq,
        duplicate: true,
      });
      const bench = await publishHttp(s.url, { body: { n: 1 }, source: 'bench' });
      assert.equal(bench.seq, a.seq + 1);
    });

    it("throws a ServerError carrying the server's code and status", async () => {
      await assert.rejects(publishHttp(s.url, { body: '' }), (err: unknown) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.code, 'INVALID_MESSAGE');
        assert.equal(err.status, 400);
        return true;
      });
    });
  });

  describe('ws #publish', () => {
    it('resolves on the ack for its id, after the message itself arrived', async () => {
      const t = createWsTransport(clientOptions(s.url));
      const rec = new Recorder();
      t.start({}, rec);
      await rec.until(() => rec.states.includes('open'), 'open');
      const ack = await t.publish('over the socket');
      assert.deepEqual(ack, { seq: s.feed.head, duplicate: false });
      assert.deepEqual(rec.seqs, [ack.seq], 'the message frame comes before the ack');
      assert.deepEqual(await t.publish('again', { id: 'ws-dup' }), { seq: ack.seq + 1, duplicate: false });
      assert.deepEqual(await t.publish('again!', { id: 'ws-dup' }), { seq: ack.seq + 1, duplicate: true });
      const [out] = rec.records.filter((r) => r.kind === 'frame-out');
      assert.ok(out && out.bytes > 0);
      t.stop();
      await released('ws', s);
    });

    it('rejects on an error frame for its id, and when the socket is not open', async () => {
      const t = createWsTransport(clientOptions(s.url));
      const rec = new Recorder();
      await assert.rejects(t.publish('too early'), /not open/);
      t.start({}, rec);
      await rec.until(() => rec.states.includes('open'), 'open');
      await assert.rejects(t.publish('', { id: 'bad-1' }), (err: unknown) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.code, 'INVALID_MESSAGE');
        return true;
      });
      assert.deepEqual(rec.errors, [], 'an error for a publish goes to its promise only');
      const pending = t.publish('cut short');
      t.stop();
      await assert.rejects(pending, /stopped before the ack/);
      await released('ws', s);
    });
  });
});
