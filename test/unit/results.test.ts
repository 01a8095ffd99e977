import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { soakFixture, steadyFixture } from '../../experiments/fixtures/scenarios.ts';
import { renderReport, renderResults } from '../../experiments/report.ts';
import { parseResults, RESULTS_VERSION, ResultsError } from '../../experiments/results-schema.ts';

/** The fixture as it comes back from disk. */
const fromDisk = (): Record<string, unknown> => JSON.parse(JSON.stringify(steadyFixture()));

function refusal(json: unknown): ResultsError {
  try {
    parseResults(json);
  } catch (e) {
    assert.ok(e instanceof ResultsError, `expected a ResultsError, got ${String(e)}`);
    return e;
  }
  assert.fail('parseResults accepted it');
}

describe('results', () => {
  describe('#parseResults', () => {
    it('accepts what the aggregation produces, after a trip through JSON', () => {
      const parsed = parseResults(fromDisk());
      assert.equal(parsed.version, RESULTS_VERSION);
      assert.deepEqual(parsed, steadyFixture());
    });

    it("accepts a soak's results: the same envelope, its figures under `soak`", () => {
      const soak = JSON.parse(JSON.stringify(soakFixture()));
      assert.deepEqual(parseResults(soak), soakFixture());
      const steady = steadyFixture();
      for (const key of ['version', 'scenario', 'params', 'environment', 'warnings']) {
        assert.ok(key in soak && key in steady, key);
      }
    });

    it('refuses a soak file of the shape before the shared envelope, naming the scenario', () => {
      const { soak, scenario: _, ...envelope } = JSON.parse(JSON.stringify(soakFixture()));
      const e = refusal({ kind: 'soak', ...envelope, ...soak });
      assert.equal(e.code, 'invalid');
      assert.match(e.message, /scenario/);
    });

    it('refuses soak figures that do not add up to a soak, naming the field', () => {
      const json = JSON.parse(JSON.stringify(soakFixture()));
      json.soak.transports.ws.lost = -1;
      assert.match(refusal(json).message, /soak\.transports\.ws\.lost/);
    });

    it('refuses another version with a message that says which and what to do', () => {
      const e = refusal({ ...fromDisk(), version: 2 });
      assert.equal(e.code, 'version');
      assert.match(e.message, /version 2; this pushrace reads version 1 only/);
      assert.match(e.message, /re-run the experiment/);
    });

    it('refuses a file that is not a results file', () => {
      assert.equal(refusal([]).code, 'invalid');
      assert.match(refusal({ scenario: 'steady' }).message, /no "version" field/);
    });

    it('names the fields that do not match', () => {
      const json = fromDisk() as { runs: Array<{ transports: { poll: { latency: { p50: unknown } } } }> };
      const run = json.runs[0];
      if (!run) throw new Error('fixture without a run');
      run.transports.poll.latency.p50 = 'fast';
      const e = refusal(json);
      assert.equal(e.code, 'invalid');
      assert.match(e.message, /runs\.0\.transports\.poll\.latency\.p50/);
    });

    it('refuses NaN written as null where a number is required', () => {
      const json = fromDisk() as { environment: { durationMs: unknown } };
      json.environment.durationMs = null;
      assert.match(refusal(json).message, /environment\.durationMs/);
    });

    it('refuses an unknown scenario and a CDF over 200 points', () => {
      assert.match(refusal({ ...fromDisk(), scenario: 'chaos' }).message, /scenario/);
      const json = fromDisk() as { runs: Array<{ transports: { ws: { cdf: unknown } } }> };
      const run = json.runs[0];
      if (!run) throw new Error('fixture without a run');
      run.transports.ws.cdf = Array.from({ length: 201 }, (_, i) => [i, (i + 1) / 201]);
      assert.match(refusal(json).message, /cdf/);
    });
  });

  describe('#renderResults', () => {
    it('renders each file with the renderers of its scenario', () => {
      const options = { chartJs: '/* chart.js */' };
      const soak = renderResults(soakFixture(), options);
      assert.match(soak.markdown, /^# pushrace soak\n/);
      assert.match(soak.html, /<canvas id="soak-memory"/);
      const steady = renderResults(steadyFixture(), options);
      assert.match(steady.markdown, /^# pushrace report: steady\n/);
      assert.match(steady.html, /<section id="conclusion">/);
    });
  });

  describe('#renderReport', () => {
    it('refuses a results.json of another version and writes no report', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pushrace-results-'));
      writeFileSync(join(dir, 'results.json'), JSON.stringify({ ...fromDisk(), version: 99 }));
      await assert.rejects(renderReport(dir), (e: unknown) => e instanceof ResultsError && e.code === 'version');
      assert.equal(existsSync(join(dir, 'report.md')), false);
      assert.equal(existsSync(join(dir, 'report.html')), false);
    });

    it('refuses a directory without results.json, saying where it looked', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pushrace-results-'));
      await assert.rejects(renderReport(dir), /cannot read .*results\.json/);
    });
  });
});
