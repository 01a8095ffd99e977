import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import type { RunningServer } from '../../server/server.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { startTestServer, waitFor } from '../support/server.ts';

/** Two instances of one cluster (the same Redis and prefix), as two processes behind a load balancer would be. */
describe('RedisCoordinator: two instances on one Redis feed', () => {
  let redis: RedisServer;
  let a: RunningServer;
  let b: RunningServer;
  before(async () => {
    redis = await startRedis();
    const shared = { redisUrl: redis.url, redisPrefix: 'cluster', clusterLeaseMs: 600, publishRate: 0 };
    a = await startTestServer({ ...shared, instance: 'a' });
    b = await startTestServer({ ...shared, instance: 'b' });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  const json = async <T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const res = await fetch(url, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const send = (method: string, body: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('one instance leads (runs the generators); a newcomer does not take its lease', async () => {
    await waitFor(() => a.coordinator.leader !== b.coordinator.leader, 5000, 'one leader');
    const [leader, other] = a.coordinator.leader ? [a, b] : [b, a];
    const third = await startTestServer({
      redisUrl: redis.url,
      redisPrefix: 'cluster',
      clusterLeaseMs: 600,
      instance: 'c',
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(third.coordinator.leader, false, 'a newcomer does not take a held lease');
    await third.close();
    assert.equal(leader.coordinator.leader, true);
    assert.equal(other.coordinator.leader, false);
  });

  it('settings put on one instance are in force on every instance', async () => {
    const next = { sources: ['ticker', 'log'], tickerIntervalMs: 2000, logRate: 3, timing: 'fixed' };
    const put = await json(`${a.url}/api/settings`, send('PUT', next));
    assert.deepEqual([put.status, put.body], [200, next]);
    await waitFor(() => JSON.stringify(b.coordinator.settings()) === JSON.stringify(next), 5000, 'b adopts');
    assert.deepEqual((await json(`${b.url}/api/settings`)).body, next);
    await json(`${b.url}/api/settings`, send('PUT', { sources: [] }));
    await waitFor(() => a.coordinator.settings().sources.length === 0, 5000, 'a adopts');
  });

  it('the burst lock is the cluster’s: a burst on one instance refuses one on the other', async () => {
    let release = () => {};
    const held = a.coordinator.withBurstLock(() => new Promise<void>((r) => (release = r)));
    const refused = await json<{ error: { code: string } }>(`${b.url}/api/burst`, send('POST', { count: 3 }));
    assert.deepEqual([refused.status, refused.body.error.code], [429, 'BURST_IN_PROGRESS']);
    release();
    await held;
    const done = await json<{ first: number; last: number; count: number }>(
      `${b.url}/api/burst`,
      send('POST', { count: 3 }),
    );
    assert.deepEqual([done.status, done.body.count, done.body.last - done.body.first], [201, 3, 2]);
  });

  it('/api/stats sums every instance, exactly, and names each; clearing on one clears all', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${a.url}/api/poll?after=0`).then((r) => r.text());
    await fetch(`${b.url}/api/poll?after=0`).then((r) => r.text());
    const { body } = await json<StatsResponse>(`${a.url}/api/stats`);
    assert.deepEqual(Object.keys(body.instances ?? {}).sort(), ['a', 'b']);
    assert.equal(body.complete, true);
    const own = { a: a.stats.counts(), b: b.stats.counts() };
    const poll = (s: { transports: StatsResponse['transports'] }) => s.transports.poll;
    // Each instance's part is its own meter's count (taken when asked: nothing moved since).
    assert.deepEqual(poll(body.instances?.a ?? body), poll(own.a));
    assert.deepEqual(poll(body.instances?.b ?? body), poll(own.b));
    assert.equal(poll(body).requests, poll(own.a).requests + poll(own.b).requests);
    assert.equal(poll(body).requests >= 4, true);
    assert.equal(
      poll(body).bytesOut.header + poll(body).bytesOut.payload,
      poll(own.a).bytesOut.header +
        poll(own.a).bytesOut.payload +
        poll(own.b).bytesOut.header +
        poll(own.b).bytesOut.payload,
    );

    const cleared = await json<StatsResponse>(`${b.url}/api/stats/clear`, send('POST', {}));
    assert.equal(cleared.status, 200);
    assert.equal(poll(cleared.body).requests, 0, 'every instance cleared before it answered');
    assert.deepEqual(Object.keys(cleared.body.instances ?? {}).sort(), ['a', 'b']);
    assert.equal(a.stats.counts().transports.poll.requests, 0);
  });

  it('/metrics on any instance shows the cluster’s sums and each instance', async () => {
    await fetch(`${b.url}/api/poll?after=0`).then((r) => r.text());
    const text = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(text, /^pushrace_cluster_instances 2$/m);
    assert.match(text, /^pushrace_cluster_requests\{transport="poll"\} [1-9]/m);
    assert.match(text, /^pushrace_instance_requests\{instance="b",transport="poll"\} [1-9]/m);
    assert.match(text, /^pushrace_instance_bytes\{instance="a",transport="poll",direction="out",part="header"\} \d+$/m);
  });

  it('when the leader closes, the other instance takes over the generators', async () => {
    const [leader, other] = a.coordinator.leader ? [a, b] : [b, a];
    await leader.close();
    await waitFor(() => other.coordinator.leader, 5000, 'takeover');
  });
});
