import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderReport, writeReport } from '../../experiments/report.ts';
import { ResultsError, SOAK, type SoakResults } from '../../experiments/results-schema.ts';
import { runSoak, soakParams } from '../../experiments/soak/run.ts';
import { SOAK_TRANSPORTS } from '../../experiments/soak/schema.ts';

describe('the soak (experiments/soak/run.ts)', () => {
  let results: SoakResults;
  let dir: string;
  before(async () => {
    // Short and churny: every client stops and resumes every 0.2–1 s for 10 s.
    results = await runSoak(
      soakParams({ durationMs: 10_000, clientsPerTransport: 2, ratePerSec: 20, bounceMinMs: 200, bounceMaxMs: 1000 }),
    );
    dir = await mkdtemp(join(tmpdir(), 'pushrace-soak-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('delivers every message to every bouncing client of every transport exactly once', () => {
    const { published, transports, verdict } = results.soak;
    // How many got published in 10 s depends on how busy the machine is (116 on a loaded box,
    // 200 on an idle one); the verdict is about those that were: every one delivered to every
    // client exactly once. At least one second's worth must have gone out for the run to count.
    assert.ok(published >= 20, `published ${published}`);
    for (const name of SOAK_TRANSPORTS) {
      const t = transports[name];
      assert.equal(t.clients, 2);
      assert.ok(t.reconnects >= 10, `${name}: only ${t.reconnects} reconnects`);
      assert.equal(t.expected, published * 2);
      assert.deepEqual(
        { delivered: t.delivered, lost: t.lost, duplicated: t.duplicated, resets: t.resets },
        { delivered: t.expected, lost: 0, duplicated: 0, resets: 0 },
        name,
      );
    }
    assert.equal(verdict.ok, true, verdict.failures.join('; '));
    assert.equal(verdict.rssJudged, false, 'a 10 s run is too short to judge memory');
  });

  it("samples the server's memory after a full GC, warm-up included", () => {
    const { samples, warm } = results.soak;
    assert.ok(samples.length >= 5, `${samples.length} samples`);
    assert.equal(warm.atMs >= results.params.warmupMs, true);
    for (const s of samples) {
      assert.ok(s.rssBytes > s.heapUsedBytes && s.heapUsedBytes > 0, 'RSS holds the heap');
      assert.ok(s.externalBytes >= s.arrayBuffersBytes, 'array buffers are part of external');
    }
    const ats = samples.map((s) => s.atMs);
    assert.deepEqual(
      ats,
      [...ats].sort((a, b) => a - b),
      'in time order',
    );
  });

  it('writes the same envelope as every experiment, with its figures under `soak`', () => {
    assert.equal(results.scenario, SOAK);
    assert.deepEqual(Object.keys(results), ['version', 'scenario', 'params', 'environment', 'soak', 'warnings']);
  });

  it('writes results.json, report.md and report.html, and re-renders them from the JSON', async () => {
    const paths = await writeReport(dir, results);
    const md = await readFile(paths.markdown, 'utf8');
    assert.match(md, /^# pushrace soak/);
    assert.match(md, /\*\*PASS: [\d,]+ of [\d,]+ deliveries/);
    assert.match(md, /\| ws \| 2 \|/);
    const html = await readFile(paths.html, 'utf8');
    assert.match(html, /<canvas id="soak-memory"/);
    assert.match(html, /Content-Security-Policy/);
    await rm(paths.markdown);
    await renderReport(dir);
    assert.equal(await readFile(paths.markdown, 'utf8'), md, 'the same report from results.json alone');
  });

  it('refuses a soak results file that was tampered with', async () => {
    const broken = {
      ...results,
      soak: { ...results.soak, transports: { ...results.soak.transports, ws: { lost: -1 } } },
    };
    await writeFile(join(dir, 'results.json'), JSON.stringify(broken));
    await assert.rejects(
      renderReport(dir),
      (e: unknown) => e instanceof ResultsError && /soak\.transports\.ws/.test(e.message),
    );
  });
});
