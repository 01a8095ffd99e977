import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { createTransport, publishHttp, ServerError } from '../../client/lib/index.ts';
import type { ClientOptions, ClientTransport } from '../../client/lib/types.ts';
import { TRANSPORT_NAMES, type TransportName } from '../../protocol/wire.ts';
import { type ServerChild, spawnServer } from '../support/child.ts';
import { Recorder } from '../support/client-recorder.ts';
import { type Nginx, startNginx } from '../support/nginx.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';

/**
 * deploy/nginx.conf in front of two pushrace processes on one Redis feed, all real processes
 * this file starts (redis-server, nginx, `server/main.ts` twice), no sticky sessions: every
 * transport delivers every message exactly once while its requests land on both instances,
 * and the faults of a deployment (an instance killed, Redis stopped, Redis frozen) cost no
 * message where the design promises none.
 */
/**
 * pushrace's own transports, which carry the cursor: socket.io keeps its sessions in the process
 * that made them, so without sticky sessions (the point here) it cannot be served round-robin.
 */
const CURSOR_TRANSPORTS = TRANSPORT_NAMES.filter((n) => n !== 'socketio');

describe('two instances behind nginx (deploy/nginx.conf)', () => {
  let redis: RedisServer;
  let nginx: Nginx;
  const instances = new Map<'a' | 'b', { child: ServerChild; port: number }>();

  const env = () => ({ REDIS_URL: redis.url, REDIS_PREFIX: 'nginx', REDIS_TIMEOUT_MS: '500', PUBLISH_RATE: '0' });
  const launch = async (name: 'a' | 'b', port = 0) => {
    const child = await spawnServer(['--port', String(port), '--instance', name], env());
    instances.set(name, { child, port: Number(new URL(child.url).port) });
  };

  before(async () => {
    redis = await startRedis();
    await Promise.all([launch('a'), launch('b')]);
    nginx = await startNginx([...instances.values()].map((i) => `127.0.0.1:${i.port}`));
  });
  after(async () => {
    for (const { child } of instances.values()) child.proc.kill('SIGKILL');
    await nginx?.close();
    await redis?.close();
  });

  const options = (): ClientOptions => ({
    baseUrl: nginx.url,
    pollIntervalMs: 50,
    longPollTimeoutMs: 30_000,
    backoff: { initialMs: 20, maxMs: 200 },
    WebSocket,
    EventSource,
  });

  /** One client per transport through nginx, from the feed's head, stopped when the test ends. */
  const clients = async (t: TestContext) => {
    const head = ((await (await fetch(`${nginx.url}/healthz`)).json()) as { head: number; epoch: string }).head;
    const list = CURSOR_TRANSPORTS.map((name) => ({ name, t: createTransport(name, options()), rec: new Recorder() }));
    for (const c of list) c.t.start({ after: head }, c.rec);
    t.after(() => {
      for (const c of list) c.t.stop();
    });
    return { head, list };
  };

  /** Publishes through nginx with an id, again with the same id until stored (10 s at most). */
  const publishSure = async (body: string): Promise<number> => {
    for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
      try {
        return (await publishHttp(nginx.url, { body, id: `id-${body}` })).seq;
      } catch (err) {
        if (Date.now() > until) throw err;
      }
    }
  };

  /** The instance of the latest exchange that named one (an answer's header, a stream's hello). */
  const lastInstance = (rec: Recorder) => rec.records.findLast((r) => r.instance !== undefined)?.instance;

  /** Reopens a stream client from its cursor until nginx hands it to `instance` (at most 8 tries). */
  const streamOn = async (c: { name: string; t: ClientTransport; rec: Recorder }, instance: string) => {
    for (let i = 0; i < 8 && lastInstance(c.rec) !== instance; i++) {
      const opens = c.rec.records.length;
      c.t.start(c.t.position, c.rec);
      await c.rec.until(() => c.rec.records.slice(opens).some((r) => r.instance !== undefined), `${c.name} opens`);
    }
    assert.equal(lastInstance(c.rec), instance, `${c.name} reached ${instance}`);
  };

  const instancesSeen = (c: { rec: Recorder }) =>
    new Set(c.rec.records.map((r) => r.instance).filter((i): i is string => i !== undefined));

  it('every transport gets every message exactly once while its requests hop between the instances', async (t) => {
    const { head, list } = await clients(t);
    const seqs: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) seqs.push(await publishSure(`r${round}-${i}-${Date.now()}`));
      await Promise.all(list.map((c) => c.rec.until(() => c.rec.received.length === seqs.length, `${c.name}`)));
      // A stream stays on its instance: resume it from its cursor, through nginx, on the other.
      for (const c of list) if (c.name === 'sse' || c.name === 'ws') await streamOn(c, round % 2 === 0 ? 'b' : 'a');
    }
    const expected = Array.from({ length: 20 }, (_, i) => head + 1 + i);
    assert.deepEqual(seqs, expected, 'one global seq, whichever instance stored it');
    for (const c of list) {
      assert.deepEqual(c.rec.seqs, expected, `${c.name}: every message once, in order`);
      assert.deepEqual(c.rec.resets, [], `${c.name}: no reset`);
      assert.deepEqual([...instancesSeen(c)].sort(), ['a', 'b'], `${c.name}: served by both instances`);
    }
  });

  it('an instance killed under load: its clients resume on the other through nginx, nothing lost', async (t) => {
    const { head, list } = await clients(t);
    // The streams on the instance about to die, so that they have something to survive.
    for (const c of list) if (c.name === 'sse' || c.name === 'ws') await streamOn(c, 'a');
    let published = 0;
    const publishing = (async () => {
      for (; published < 60; ) {
        await publishSure(`k${published}-${Date.now()}`);
        published++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await Promise.all(list.map((c) => c.rec.until(() => c.rec.received.length >= 10, `${c.name}: 10`)));
    const victim = instances.get('a');
    assert.ok(victim);
    const killedAt = performance.timeOrigin + performance.now();
    const before = list.map((c) => c.rec.received.length);
    victim.child.proc.kill('SIGKILL');
    await victim.child.exited;
    await publishing;
    await Promise.all(list.map((c) => c.rec.until(() => c.rec.received.length === 60, `${c.name}: 60`, 15_000)));
    for (const [i, c] of list.entries()) {
      assert.deepEqual(
        c.rec.seqs,
        Array.from({ length: 60 }, (_, k) => head + 1 + k),
        `${c.name}: none lost, none twice`,
      );
      assert.deepEqual(c.rec.resets, [], `${c.name}: no reset`);
      // Reported, not asserted (a timing): how long after the kill the next message arrived.
      const next = c.rec.receivedAt[before[i] ?? 0];
      t.diagnostic(
        `${c.name}: next message ${next === undefined ? '?' : Math.round(next - killedAt)} ms after the kill`,
      );
      if (c.name === 'sse' || c.name === 'ws') {
        assert.equal(lastInstance(c.rec), 'b', `${c.name}: moved to b`);
        const reopened = c.rec.records.find((r) => r.sentAt >= killedAt && r.instance === 'b');
        const ms = reopened ? Math.round(reopened.doneAt - killedAt) : '?';
        t.diagnostic(`${c.name}: stream reopened on b ${ms} ms after the kill`);
      }
    }
    // Back to two instances for the next tests, on the same port nginx knows.
    await launch('a', victim.port);
  });

  it('Redis stopped: publishes get 503 JSON, streams stay connected, and after its return one reset each', async (t) => {
    const { list } = await clients(t);
    await publishSure(`before-${Date.now()}`);
    await Promise.all(list.map((c) => c.rec.until(() => c.rec.received.length === 1, `${c.name}: 1`)));
    const opened = (name: TransportName) =>
      list.find((c) => c.name === name)?.rec.records.filter((r) => r.kind === 'open').length;
    const opens = { sse: opened('sse'), ws: opened('ws') };
    await redis.stop();
    // Redis comes back even when an assertion fails: the next test needs it.
    let restarted = false;
    t.after(() => (restarted ? undefined : redis.start()));
    const down = await fetch(`${nginx.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'while down' }),
    });
    assert.equal(down.status, 503);
    assert.equal(((await down.json()) as { error: { code: string } }).error.code, 'FEED_UNAVAILABLE');
    // Both instances still answer (503 health: the balancer can tell), nothing crashed.
    for (const { child } of instances.values()) assert.equal((await fetch(`${child.url}/healthz`)).status, 503);
    await redis.start();
    restarted = true;
    const back = performance.now();
    await Promise.all(
      list.map(async (c) => {
        await c.rec.until(() => c.rec.resets.length === 1, `${c.name}: reset`, 10_000);
        t.diagnostic(`${c.name}: reset ${Math.round(performance.now() - back)} ms after Redis answered again`);
      }),
    );
    const seq = await publishSure(`after-${Date.now()}`);
    assert.equal(seq, 1, 'a new epoch starts from 1');
    await Promise.all(list.map((c) => c.rec.until(() => c.rec.received.length === 2, `${c.name}: 2`, 10_000)));
    for (const c of list) assert.equal(c.rec.resets.length, 1, `${c.name}: exactly one reset`);
    assert.deepEqual({ sse: opened('sse'), ws: opened('ws') }, opens, 'the streams were never reopened');
    for (const { child } of instances.values()) assert.equal(child.proc.exitCode, null, 'still running');
  });

  it('Redis frozen: /healthz and the read routes still answer; a publish fails in time with 503', async (t) => {
    const a = instances.get('a');
    assert.ok(a);
    redis.pause();
    const frozenAt = performance.now();
    try {
      const publishing = publishHttp(a.child.url, { body: 'frozen' }).then(
        () => 'stored',
        (err: unknown) => (err instanceof ServerError ? err.code : String(err)),
      );
      // Answered while the publish still waits on Redis: the event loop is not blocked.
      let settled = false;
      void publishing.then(() => {
        settled = true;
      });
      const health = await fetch(`${a.child.url}/healthz`);
      assert.equal([200, 503].includes(health.status), true);
      assert.equal(((await health.json()) as { instance: string }).instance, 'a');
      assert.equal((await fetch(`${a.child.url}/api/settings`)).status, 200);
      assert.equal(settled, false, 'the publish was still waiting on the frozen Redis');
      assert.equal(await publishing, 'FEED_UNAVAILABLE');
      t.diagnostic(
        `the publish failed ${Math.round(performance.now() - frozenAt)} ms after Redis froze (REDIS_TIMEOUT_MS 500)`,
      );
    } finally {
      redis.resume();
    }
  });
});
