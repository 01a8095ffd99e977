import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Harness, startHarness } from '../../experiments/harness/harness.ts';
import type { RunSpec } from '../../experiments/harness/measure.ts';
import type { Results } from '../../experiments/results-schema.ts';
import { PARAM_DEFAULTS } from '../../experiments/scenarios/scenario.ts';
import { TRANSPORT_NAMES } from '../../protocol/wire.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A short window: small enough for the suite to stay under a minute. */
const spec = (patch: Partial<RunSpec>): RunSpec => ({
  label: 'test',
  point: {},
  transports: ['poll'],
  clients: 3,
  durationMs: 2000,
  plan: { kind: 'poisson', ratePerSec: 10 },
  pollIntervalMs: 200,
  longPollTimeoutMs: 25_000,
  delayMs: null,
  ...patch,
});

describe('the load harness', () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness();
  });
  after(() => harness.close());

  describe('#measure', () => {
    it('polls every T: p50 within ±10% of T/2, and ⌈duration/T⌉ requests per client within one', async () => {
      const T = 200;
      const { run, windows } = await harness.measure(
        spec({ clients: 5, durationMs: 5000, pollIntervalMs: T, plan: { kind: 'poisson', ratePerSec: 20 } }),
      );
      const r = run.transports.poll;
      const w = windows.poll;
      assert.ok(r && w, 'poll was measured');
      assert.ok(r.latency, 'messages were delivered');
      assert.ok(r.latency.count >= 200, `enough samples (${r.latency.count})`);
      assert.ok(Math.abs(r.latency.p50 - T / 2) <= 0.1 * (T / 2), `p50 ${r.latency.p50} ms is not T/2 ± 10%`);
      const expected = Math.ceil(w.durationMs / T);
      for (const [i, c] of w.samples.clients.entries()) {
        assert.ok(
          Math.abs(c.requests - expected) <= 1,
          `client ${i} made ${c.requests} requests in ${w.durationMs.toFixed(0)} ms, expected ${expected} ± 1`,
        );
      }
      // The server's window sits inside the clients' (its counters are read after the clients
      // start counting and before they stop), so it may miss a request at each edge per client,
      // and must never count one more than the clients sent.
      const sent = w.samples.clients.reduce((n, c) => n + c.requests, 0);
      assert.ok(
        r.requests <= sent && r.requests >= sent - 2 * r.clients,
        `the server counted ${r.requests} requests, the clients sent ${sent}`,
      );
    });

    it('loses and duplicates nothing, on every transport', async () => {
      const { run } = await harness.measure(spec({ transports: TRANSPORT_NAMES }));
      for (const t of TRANSPORT_NAMES) {
        const r = run.transports[t];
        assert.ok(r, `${t} was measured`);
        assert.ok(r.expected > 0, `${t}: messages were published`);
        assert.equal(r.lost, 0, `${t} lost messages`);
        assert.equal(r.duplicated, 0, `${t} duplicated messages`);
        assert.equal(r.outOfOrder, 0, `${t} reordered messages`);
        assert.equal(r.delivered, r.expected, `${t} delivered what was published`);
      }
    });
  });
});

describe('npm run experiment', () => {
  it('--quick steady writes results.json, report.md and report.html', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pushrace-cli-'));
    try {
      const args = ['--import', 'tsx', 'experiments/cli.ts', 'steady', '--quick', '--duration', '1.5'];
      const child = spawn(process.execPath, [...args, '--clients', '3', '--out', out], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, output);
      for (const f of ['results.json', 'report.md', 'report.html']) {
        assert.ok((await stat(join(out, f))).size > 0, `${f} is written`);
      }
      const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Results;
      assert.equal(results.scenario, 'steady');
      assert.equal(results.params.quick, true);
      // The scenarios race the four transports by default; socket.io joins with --transports.
      assert.deepEqual(Object.keys(results.runs[0]?.transports ?? {}).sort(), [...PARAM_DEFAULTS.transports].sort());
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
