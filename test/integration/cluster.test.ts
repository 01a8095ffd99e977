import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { StatsResponse } from '../../protocol/wire.ts';
import { type ServerChild, spawnServer } from '../support/child.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { waitFor } from '../support/server.ts';

/** GET on a connection of its own (no keep-alive pool): the cluster primary hands each new connection to the next worker. */
function instanceOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(String(res.headers['x-pushrace-instance'])));
    }).once('error', reject);
  });
}

describe('WORKERS=N (node:cluster)', () => {
  it('refuses to start without REDIS_URL: one line, exit 2', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--workers', '2'], {
      env: { ...process.env, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    assert.equal(code, 2);
    assert.equal(err.trim().split('\n').length, 1, err);
    assert.match(err, /WORKERS=2 needs REDIS_URL/);
  });

  describe('with Redis', () => {
    let redis: RedisServer;
    let child: ServerChild;
    before(async () => {
      redis = await startRedis();
      child = await spawnServer(['--port', '0', '--instance', 'c'], {
        WORKERS: '2',
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'workers',
      });
      await waitFor(() => child.stdout().includes('"event":"cluster-start"'), 60_000, 'both workers listening');
    });
    after(async () => {
      child?.proc.kill('SIGKILL');
      await redis?.close();
    });

    /** Instances answering `n` requests on new connections. */
    const answering = async (n: number) => {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) seen.add(await instanceOf(child.url));
      return seen;
    };

    it('hands connections to every worker in turn, each its own instance, and sums their stats', async () => {
      assert.deepEqual([...(await answering(6))].sort(), ['c-w1', 'c-w2']);
      const stats = (await (await fetch(`${child.url}/api/stats`)).json()) as StatsResponse;
      assert.deepEqual(Object.keys(stats.instances ?? {}).sort(), ['c-w1', 'c-w2']);
      assert.equal(stats.complete, true);
      // The generators run in one worker only.
      const leading = child.stdout().match(/"event":"cluster-leader","instance":"[^"]+","leader":true/g) ?? [];
      assert.equal(leading.length, 1, child.stdout());
    });

    it('replaces a worker that dies, under a new name', async () => {
      const pid = /"event":"worker-start","instance":"c-w1","pid":(\d+)/.exec(child.stdout())?.[1];
      assert.ok(pid);
      process.kill(Number(pid), 'SIGKILL');
      await waitFor(() => child.stdout().includes('"event":"worker-exit","instance":"c-w1"'), 10_000, 'exit seen');
      await waitFor(() => /"event":"listening"[^\n]*"instance":"c-w3"/.test(child.stdout()), 60_000, 'c-w3 listens');
      const seen = await answering(6);
      assert.deepEqual([...seen].sort(), ['c-w2', 'c-w3']);
    });

    it('drains every worker on SIGTERM and exits 0', async () => {
      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      assert.equal(child.stdout().match(/"event":"closed"/g)?.length, 2, child.stdout());
    });
  });
});
