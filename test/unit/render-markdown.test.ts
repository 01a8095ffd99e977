import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { peersFixture } from '../../experiments/fixtures/peers.ts';
import {
  capacityFixture,
  idleFixture,
  scaleFixture,
  steadyFixture,
  sweepFixture,
} from '../../experiments/fixtures/scenarios.ts';
import { FLOORS_TITLE, renderMarkdown } from '../../experiments/render/markdown.ts';

function tableRow(md: string, first: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `no table row for ${first}`);
  return line
    .slice(2, -2)
    .split(' | ')
    .map((c) => c.trim());
}

describe('renderMarkdown', () => {
  it('has a headline table per run with each transport measured against its model', () => {
    const results = steadyFixture();
    const md = renderMarkdown(results);
    assert.match(md, /^# pushrace report: steady\n/);
    assert.match(md, /\| transport \| clients \| p50 ms \(model\) \| p99 ms \(model\) \|/);
    const poll = results.runs[0]?.transports.poll;
    assert.ok(poll?.latency);
    const row = tableRow(md, 'poll');
    // p50 of polling every 1000 ms: measured, then the model's 500 ms (+ service) in parentheses.
    assert.match(row[2] ?? '', /^\d{3} \(500\)$/);
    assert.match(row[3] ?? '', /^\d{3} \(990\)$/);
    assert.equal(row.slice(-3).join(','), '0,0,0');
    for (const t of ['long-poll', 'sse', 'ws']) tableRow(md, t);
    assert.match(md, /- \*\*poll\*\*: Polling every 1,000 ms/);
  });

  it('concludes in English and Chinese from the data', () => {
    const md = renderMarkdown(steadyFixture());
    assert.match(md, /## Conclusion\n\nEvery published message reached every client exactly once and in order \(2,400/);
    assert.match(md, /## 结论\n\n每条发布的消息都恰好一次/);
    assert.match(md, /轮询 \d+ \/ \d+ ms（模型 500 \/ 990 ms）/);
  });

  it('shouts lost and duplicated messages and a saturated client before anything else', () => {
    const results = steadyFixture();
    const ws = results.runs[0]?.transports.ws;
    assert.ok(ws);
    ws.lost = 2;
    ws.duplicated = 1;
    ws.client.saturated = true;
    const md = renderMarkdown(results);
    const lost = md.indexOf('LOST MESSAGES');
    assert.ok(lost > 0 && lost < md.indexOf('## Conclusion') && lost < md.indexOf('| transport |'));
    assert.match(md, /> \*\*DUPLICATED MESSAGES \(run "T=1000 ms", ws\): 1\./);
    assert.match(md, /> \*\*SATURATED CLIENT/);
    assert.match(md, /BUG: WebSocket in “T=1000 ms” lost 2 of 600/);
  });

  it('says which targets were missed', () => {
    const md = renderMarkdown(scaleFixture());
    assert.match(md, /## Targets/);
    assert.match(
      md,
      /\| server RSS per WebSocket connection \| ≤ 20 KiB server RSS per connection \| 24 KiB \| MISSED \|/,
    );
    assert.match(md, /\| WebSocket fan-out p99 at 10,000 clients \| p99 &lt; 50 ms \| [\d.]+ ms \| met \|/);
    assert.match(md, /2 of 4 performance targets met; missed:/);
  });

  it('shows a sweep table and the crossover where long-poll wins', () => {
    const md = renderMarkdown(sweepFixture());
    assert.match(md, /## Sweep\n\n\| poll interval T \(ms\) \| poll p50 ms \(model\)/);
    assert.match(md, /\| 5,000 \| 2,\d{3} \(2,500\) \|/);
    assert.match(md, /more requests per client than long-poll at a poll interval T below ≈ 500 ms \(model 500 ms\)/);
  });

  it('describes an idle run by what waiting costs', () => {
    const md = renderMarkdown(idleFixture());
    assert.match(md, /With nothing published for 60 s, requests per client per minute were: polling 60 \(model 60\)/);
    assert.match(md, /Waiting cost on the wire, per client per minute: polling/);
  });

  it('renders a capacity run as a ratio', () => {
    const md = renderMarkdown(capacityFixture());
    assert.match(md, /\| \/api\/poll\?after=0 \| 100 \| 18,000 \|/);
    assert.match(md, /poll \/ bare ratio: \*\*0\.90\*\*/);
  });

  it("shows a scale run's ratios to the bare Node floor at the same client count", () => {
    const results = scaleFixture();
    const run = results.runs[0];
    if (!run) throw new Error('fixture has no run');
    run.floors = peersFixture().peers.comparisons.filter((c) => c.transport === 'ws' && c.phase === 'paced');
    const md = renderMarkdown(results);
    assert.ok(md.includes(FLOORS_TITLE));
    assert.match(md, /\| ws \| paced fan-out \| floor: ws handshake, one prebuilt frame, socket\.write \| 1\.\d\d× /);
  });

  it('escapes labels so they cannot break a table or inject markup', () => {
    const results = scaleFixture();
    const last = results.runs[results.runs.length - 1];
    assert.ok(last);
    last.label = 'a|b <script>';
    const md = renderMarkdown({
      ...results,
      targets: results.targets?.map((t) => ({ ...t, note: `run "${last.label}"` })),
    });
    assert.match(md, /## Run: a\|b \\<script\\>/);
    assert.match(md, /\| run "a\\\|b &lt;script>" \|/);
    assert.doesNotMatch(md, /<script>/);
  });

  it('is deterministic', () => {
    assert.equal(renderMarkdown(sweepFixture()), renderMarkdown(sweepFixture()));
  });
});
