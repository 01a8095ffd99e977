import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scaleFixture, steadyFixture } from '../../experiments/fixtures/scenarios.ts';
import { renderMarkdown } from '../../experiments/render/markdown.ts';
import { RSS_NOISE_FLOOR_BYTES, rssCell, rssNoise, rssPerConnection } from '../../experiments/render/rss.ts';
import type { Results, TransportResult } from '../../experiments/results-schema.ts';

const MIB = 1024 * 1024;

/** The fixture's result of `t` in run `i`, with the server's RSS set to `baseline` → `end`. */
function withRss(results: Results, i: number, t: 'ws' | 'long-poll', baseline: number, end: number): TransportResult {
  const r = results.runs[i]?.transports[t];
  assert.ok(r, `no ${t} in run ${i}`);
  r.server.rssBaselineBytes = baseline;
  r.server.rssBytes = end;
  return r;
}

/** The cells of the "RSS per connection" column in every resources table of `md`. */
function rssColumn(md: string): string[] {
  const cells: string[] = [];
  let at = -1;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      at = -1;
      continue;
    }
    const row = line
      .slice(2, -2)
      .split(' | ')
      .map((c) => c.trim());
    const i = row.indexOf('RSS per connection');
    if (i >= 0) at = i;
    else if (at >= 0 && !row[0]?.startsWith('---')) cells.push(row[at] ?? '');
  }
  return cells;
}

describe('rssPerConnection', () => {
  it('is n/a when RSS fell over the window: a fall is the allocator, not the connections', () => {
    const results = scaleFixture();
    const r = withRss(results, 2, 'ws', 130 * MIB, 105 * MIB);
    const v = rssPerConnection(r, rssNoise(results));
    assert.deepEqual(v, { kind: 'n/a', reason: 'RSS fell 25 MiB' });
    assert.equal(rssCell(v), 'n/a: RSS fell 25 MiB');
  });

  it('is n/a with fewer connections than the targets need, whatever the rise', () => {
    const results = scaleFixture();
    const r = withRss(results, 0, 'ws', 100 * MIB, 120 * MIB);
    assert.equal(r.clients, 10);
    assert.equal(rssCell(rssPerConnection(r, rssNoise(results))), 'n/a: 10 conns, too few');
  });

  it('is n/a when the rise is under twice the noise, which the largest fall in the file sets', () => {
    const results = scaleFixture();
    const r = withRss(results, 2, 'long-poll', 100 * MIB, 170 * MIB);
    assert.equal(rssNoise(results), RSS_NOISE_FLOOR_BYTES);
    assert.equal(rssPerConnection(r, rssNoise(results))?.kind, 'figure');
    // A 40 MiB fall elsewhere in the same file: 70 MiB is no longer twice the noise.
    withRss(results, 2, 'ws', 150 * MIB, 110 * MIB);
    assert.equal(rssNoise(results), 40 * MIB);
    assert.equal(rssCell(rssPerConnection(r, rssNoise(results))), 'n/a: +70 MiB, within noise');
  });

  it('gives a figure with its noise per connection where the rise stands out', () => {
    const results = scaleFixture();
    const r = withRss(results, 2, 'ws', 100 * MIB, 100 * MIB + 10_000 * 17.5 * 1024);
    const v = rssPerConnection(r, rssNoise(results));
    assert.deepEqual(v, {
      kind: 'figure',
      perConnection: 17.5 * 1024,
      noisePerConnection: RSS_NOISE_FLOOR_BYTES / 10_000,
    });
    assert.equal(rssCell(v), '17.5 KiB ± 3.28 KiB');
  });

  it('is a dash without a baseline (a capacity run takes none)', () => {
    const r = steadyFixture().runs[0]?.transports.ws;
    assert.ok(r);
    assert.equal(rssPerConnection(r, RSS_NOISE_FLOOR_BYTES), null);
    assert.equal(rssCell(null), '—');
  });
});

describe('renderMarkdown: RSS per connection', () => {
  it('never prints a negative or noise-sized figure, and says the rule once', () => {
    const results = scaleFixture();
    withRss(results, 1, 'ws', 120 * MIB, 98 * MIB);
    const md = renderMarkdown(results);
    const cells = rssColumn(md);
    assert.equal(cells.length, 6);
    for (const c of cells) assert.doesNotMatch(c, /-\d/, `negative figure: ${c}`);
    assert.deepEqual(cells.slice(0, 4), [
      'n/a: 10 conns, too few',
      'n/a: 10 conns, too few',
      'n/a: +11.7 MiB, within noise',
      'n/a: RSS fell 22 MiB',
    ]);
    assert.match(cells[5] ?? '', /^24 KiB ± 3\.28 KiB$/);
    assert.equal(md.split('RSS per connection: (server RSS').length - 1, 1);
  });
});
