import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { idleFixture, scaleFixture, steadyFixture, sweepFixture } from '../../experiments/fixtures/scenarios.ts';
import { buildCharts } from '../../experiments/render/charts.ts';
import { jsonForScript, renderHtml } from '../../experiments/render/html.ts';
import { readChartJs } from '../../experiments/report.ts';
import type { Results } from '../../experiments/results-schema.ts';

let chartJs = '';
before(async () => {
  chartJs = await readChartJs();
});

/** The text of the embedded data script, up to where the HTML parser would end it. */
function dataScript(html: string): string {
  const open = '<script type="application/json" id="pushrace-data">';
  const start = html.indexOf(open);
  assert.ok(start >= 0, 'no data script');
  const from = start + open.length;
  return html.slice(from, html.toLowerCase().indexOf('</script', from));
}

describe('renderHtml', () => {
  it('embeds Chart.js and the data, one canvas per chart', () => {
    const results = sweepFixture();
    const html = renderHtml(results, { chartJs });
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(html.includes(chartJs.replace(/^\s*\/\/[#@] sourceMappingURL=.*$/gm, '')));
    assert.doesNotMatch(html, /sourceMappingURL/);
    const charts = buildCharts(results);
    assert.equal((html.match(/<canvas /g) ?? []).length, charts.length);
    const data = JSON.parse(dataScript(html)) as { results: Results; charts: unknown[] };
    assert.deepEqual(data.results, results);
    assert.equal(data.charts.length, charts.length);
  });

  it('references nothing outside the file', () => {
    for (const results of [steadyFixture(), sweepFixture(), scaleFixture()]) {
      const html = renderHtml(results, { chartJs });
      assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
      assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i);
      assert.doesNotMatch(html, /<link\b|<iframe\b|<img\b/i);
      assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    }
  });

  it('has the tables with the model figures, and charts for CDF, bytes, requests and the sweep', () => {
    const results = sweepFixture();
    const html = renderHtml(results, { chartJs });
    assert.match(html, /<th>p50 ms \(model\)<\/th>/);
    assert.match(html, /<td>poll<\/td><td class="num">5<\/td><td class="num">\d+\.?\d* \(50\.5\)<\/td>/);
    const titles = buildCharts(results).map((c) => c.title);
    assert.ok(titles.some((t) => t.includes('delivery latency CDF')));
    assert.ok(titles.some((t) => t.includes('bytes the server sent per delivered message')));
    assert.ok(titles.some((t) => t.includes('HTTP requests per delivered message')));
    assert.ok(titles.some((t) => t.startsWith('Median delivery latency across the sweep')));
    assert.ok(titles.some((t) => t.startsWith('HTTP requests per client per second across the sweep')));
  });

  it('draws the model beside the measurement: dashed CDF and a p50 marker per transport', () => {
    const results = steadyFixture();
    const cdf = buildCharts(results).find((c) => c.title.includes('CDF'));
    assert.ok(cdf);
    const sets = cdf.config.data.datasets as Array<{ label?: string; borderDash?: number[]; data: unknown[] }>;
    const marker = sets.find((d) => d.label === 'poll model p50');
    assert.deepEqual(marker?.data, [{ x: results.runs[0]?.transports.poll?.model.latency.p50, y: 0.5 }]);
    assert.deepEqual(sets.find((d) => d.label === 'ws model')?.borderDash, [6, 4]);
  });

  it('one legend entry per transport on the CDF: measured, model and marker toggle together', () => {
    const cdf = buildCharts(steadyFixture()).find((c) => c.title.includes('CDF'));
    assert.ok(cdf?.legendGroups);
    const sets = cdf.config.data.datasets as Array<{ label?: string }>;
    assert.equal(sets.length, 12);
    assert.deepEqual(
      cdf.legendGroups.map((g) => g.map((i) => sets[i]?.label)),
      ['poll', 'long-poll', 'sse', 'ws'].map((t) => [t, `${t} model`, `${t} model p50`]),
    );
    const html = renderHtml(steadyFixture(), { chartJs });
    assert.match(html, /legend\.labels\.filter = function/);
    for (const sweep of buildCharts(sweepFixture()).filter((c) => c.run === null)) {
      assert.ok((sweep.legendGroups?.length ?? 0) <= 4, sweep.title);
    }
  });

  it('every axis of every chart has unrotated, auto-skipped ticks', () => {
    for (const results of [steadyFixture(), sweepFixture(), scaleFixture()]) {
      for (const c of buildCharts(results)) {
        const scales = (c.config.options?.scales ?? {}) as Record<string, { ticks?: Record<string, unknown> }>;
        assert.ok(Object.keys(scales).length >= 2, c.title);
        for (const [k, axis] of Object.entries(scales)) {
          assert.equal(axis.ticks?.maxRotation, 0, `${c.title}: ${k}`);
          assert.equal(axis.ticks?.autoSkip, true, `${c.title}: ${k}`);
        }
      }
    }
  });

  it('lets headers and long text cells wrap, so the tables fit a 1280 px page', () => {
    const html = renderHtml(idleFixture(), { chartJs });
    assert.doesNotMatch(html, /th, td \{[^}]*white-space: nowrap/);
    assert.match(html, /td\.text \{ white-space: normal/);
    assert.match(html, /<td class="text">a ping of 2 B every 30 s, answered by a masked pong of 6 B<\/td>/);
    // The run's cost is two narrower tables, not one of twelve columns.
    const heads = [...html.matchAll(/<thead><tr>(.*?)<\/tr><\/thead>/g)].map(
      (m) => (m[1]?.match(/<th>/g) ?? []).length,
    );
    for (const n of heads) assert.ok(n <= 11, `a table of ${n} columns`);
  });

  it('idle: no latency column, no latency model, no CDF', () => {
    const results = idleFixture();
    const all = renderHtml(results, { chartJs });
    // The page as read: the embedded data (results.json, with its stored model) left out.
    const html = all.slice(0, all.indexOf('<script type="application/json"'));
    assert.doesNotMatch(html, /p50 ms \(model\)|p99 ms/);
    assert.doesNotMatch(html, /uniformly between|answered the moment a message exists/);
    assert.match(
      html,
      /<li><strong>sse<\/strong>: With nothing to deliver, SSE costs a &#34;: heartbeat&#34; comment every 15 s/,
    );
    assert.ok(!buildCharts(results).some((c) => c.title.includes('CDF')));
  });

  it('idle: the waiting cost chart sets each transport beside the protocol, on a log axis', () => {
    const bytes = buildCharts(idleFixture()).find((c) => c.title.includes('wire bytes per client per minute'));
    assert.ok(bytes);
    const [measured, protocol] = bytes.config.data.datasets as Array<{ label?: string; data: Array<number | null> }>;
    assert.equal(measured?.label, 'measured');
    assert.deepEqual(protocol?.data.slice(2), [72, 16]);
    const y = ((bytes.config.options?.scales ?? {}) as Record<string, { type?: string }>).y;
    assert.equal(y?.type, 'logarithmic');
  });

  it('concludes in Chinese too, marked as Chinese', () => {
    const html = renderHtml(steadyFixture(), { chartJs });
    assert.match(html, /<section id="conclusion-zh" lang="zh-CN"><h2>结论<\/h2><p>每条发布的消息都恰好一次/);
    assert.match(html, /轮询 \d+ \/ \d+ ms（模型 500 \/ 990 ms）/);
  });

  it('a </script> in any string cannot break out of the data or into the page', () => {
    const results = steadyFixture();
    const evil = '</script><script>alert(1)</script><!--';
    const run = results.runs[0];
    assert.ok(run);
    run.label = evil;
    results.params.note = evil;
    results.warnings.push(evil);
    const html = renderHtml(results, { chartJs });
    // Exactly the three script elements the page has: data, Chart.js, boot.
    assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
    assert.equal((html.match(/<script\b/gi) ?? []).length, 3);
    const data = JSON.parse(dataScript(html)) as { results: Results };
    assert.equal(data.results.runs[0]?.label, evil);
    assert.ok(html.includes('<h2>Run: &#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#60;!--</h2>'));
  });

  it('escapes < in embedded JSON and keeps it parseable', () => {
    const s = jsonForScript({ a: '</script>', b: '<!--', c: '\u2028' });
    assert.doesNotMatch(s, /</);
    assert.deepEqual(JSON.parse(s), { a: '</script>', b: '<!--', c: '\u2028' });
  });

  it('refuses a Chart.js bundle that could close its own script element', () => {
    assert.throws(() => renderHtml(steadyFixture(), { chartJs: 'var s = "</script>";' }), /cannot be inlined/);
  });

  it('puts lost messages at the top of the page', () => {
    const results = steadyFixture();
    const sse = results.runs[0]?.transports.sse;
    assert.ok(sse);
    sse.lost = 1;
    const html = renderHtml(results, { chartJs });
    const alarm = html.indexOf('<section class="alarms" role="alert"><p>LOST MESSAGES (run &#34;T=1000 ms&#34;, sse)');
    assert.ok(alarm > 0 && alarm < html.indexOf('<table>'));
  });
});
