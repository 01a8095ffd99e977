import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  burstFixture,
  capacityFixture,
  idleFixture,
  quickIdleFixture,
  scaleFixture,
  steadyFixture,
  sweepFixture,
} from '../../experiments/fixtures/scenarios.ts';
import { conclusion } from '../../experiments/render/conclusion.ts';
import { runNameZh } from '../../experiments/render/run-names.ts';
import { hasChineseName } from '../../experiments/render/target-names.ts';
import type { Results } from '../../experiments/results-schema.ts';

/**
 * Latin words a Chinese sentence may keep: proper names (transports, products, protocols, frame
 * names), percentiles and units. Anything else is an English fragment left untranslated.
 */
const ALLOWED = new Set([
  'WebSocket',
  'SSE',
  'HTTP',
  'Koa',
  'Node',
  'RSS',
  'CPU',
  'JSON',
  'ping',
  'pong',
  'p50',
  'p90',
  'p99',
  'T',
  'ms',
  's',
  'B',
  'KiB',
  'MiB',
  'GiB',
]);

/** The Latin words of `zh` that are not allowed; quoted literals (wire text) are left out. */
function englishIn(zh: string): string[] {
  const unquoted = zh.replace(/"[^"]*"|“[^”]*”|`[^`]*`/g, (q) => (q.startsWith('“') ? q.slice(1, -1) : ''));
  return (unquoted.match(/[A-Za-z][A-Za-z0-9.-]*/g) ?? [])
    .map((w) => w.replace(/[.-]+$/, ''))
    .filter((w) => !ALLOWED.has(w));
}

const REFERENCE = join(import.meta.dirname, '../../reports/reference');

/** The "## 结论" section of a committed report.md, one line per sentence. */
function zhConclusion(md: string): string[] {
  const from = md.indexOf('\n## 结论\n');
  if (from < 0) return [];
  const rest = md.slice(from + '\n## 结论\n'.length);
  const end = rest.indexOf('\n## ');
  return (end < 0 ? rest : rest.slice(0, end)).split('\n').filter((l) => l.trim() !== '');
}

const FIXTURES: Array<[string, () => Results]> = [
  ['steady', steadyFixture],
  ['sweep', sweepFixture],
  ['idle', idleFixture],
  ['quick idle', quickIdleFixture],
  ['burst', burstFixture],
  ['scale', scaleFixture],
  ['capacity', capacityFixture],
];

describe('conclusion in Chinese', () => {
  it('every committed reference report: no English word outside proper names and units', () => {
    const dirs = readdirSync(REFERENCE, { withFileTypes: true }).filter((d) => d.isDirectory());
    let checked = 0;
    for (const d of dirs) {
      const lines = zhConclusion(readFileSync(join(REFERENCE, d.name, 'report.md'), 'utf8'));
      for (const line of lines) {
        assert.deepEqual(englishIn(line), [], `${d.name}/report.md: ${line}`);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} Chinese sentences found`);
  });

  for (const [name, fixture] of FIXTURES) {
    it(`${name}: every sentence is Chinese but for proper names and units`, () => {
      for (const s of conclusion(fixture())) assert.deepEqual(englishIn(s.zh), [], s.zh);
    });
  }

  it('names each run from its point, not its English label', () => {
    const name = (scenario: string, point: Results['runs'][number]['point'], capacity = false) =>
      runNameZh(scenario, {
        label: 'English',
        point,
        transports: {},
        ...(capacity ? { capacity: capacityFixture().runs[0]?.capacity } : {}),
      });
    assert.equal(name('burst', { burstSize: 20, burstEveryMs: 3000 }), '每 3 秒突发 20 条消息');
    assert.equal(name('idle', { durationMs: 60_000 }), '空闲 60 秒');
    assert.equal(name('interval-sweep', { pollIntervalMs: 100 }), '轮询间隔 T = 100 ms');
    assert.equal(name('rtt', { rttMs: 40, delayMs: 20 }), '单向时延 20 ms（往返 40 ms）');
    assert.equal(name('scale', { clients: 10_000 }), '每种传输 10,000 个客户端');
    assert.equal(name('steady', { clients: 100, ratePerSec: 5 }), '100 个客户端，每秒 5 条消息');
    assert.equal(
      name('capacity', { clients: 1000, ratePerSec: 100 }),
      'WebSocket 扇出：1,000 个客户端，每秒 100 条消息',
    );
    assert.equal(name('capacity', {}, true), '轮询接口对比裸 Koa 路由');
    assert.equal(name('steady', { unknown: 1 }), 'English');
  });

  it('has a Chinese name for every target the checks can write', () => {
    const names = [...(scaleFixture().targets ?? []), ...(capacityFixture().targets ?? [])].map((t) => t.name);
    assert.ok(names.length >= 5, names.join(', '));
    for (const n of names) assert.ok(hasChineseName(n), n);
  });
});

describe('conclusion: long-poll in bursts', () => {
  it('says 2 requests per burst, as the model does', () => {
    const s = conclusion(burstFixture()).find((x) => x.en.includes('requests per burst'));
    assert.ok(s);
    assert.match(s.en, /long-poll took 2 requests per burst of 20 \(model 2: the first publish releases/);
    assert.match(s.zh, /长轮询每次突发（20 条）用了 2 个请求（模型 2/);
  });

  it('explains extra requests that each delivered part of a burst', () => {
    const results = burstFixture();
    const lp = results.runs[0]?.transports['long-poll'];
    assert.ok(lp);
    lp.requests = Math.round(lp.clients * 10 * 2.4);
    const s = conclusion(results).find((x) => x.en.includes('requests per burst'));
    assert.match(
      s?.en ?? '',
      /took 2\.4 requests per burst .* The extra 0\.4 per burst each delivered part of a burst/,
    );
    assert.match(s?.zh ?? '', /多出的每次 0\.4 个请求都带回了突发的一部分/);
    // The header bytes above the model are those requests' response heads.
    assert.match(s?.en ?? '', /Their response heads add [\d.]+ B per message to the model's [\d.]+ B of headers/);
  });
});

describe('conclusion: idle', () => {
  it('sets the measured waiting cost beside the protocol, and says why a short window shows 0 B', () => {
    const full = conclusion(idleFixture()).map((s) => s.en);
    assert.ok(
      full.some((s) => /SSE 72 B \(protocol 72 B\), WebSocket 16 B \(protocol 16 B\)/.test(s)),
      full.join('\n'),
    );
    assert.ok(!full.some((s) => s.includes('shorter than the heartbeat')));
    const quick = conclusion(quickIdleFixture());
    const note = quick.find((s) => s.en.includes('shorter than the heartbeat'));
    assert.ok(note, quick.map((s) => s.en).join('\n'));
    assert.match(
      note.en,
      /SSE \(15 s\) and WebSocket \(30 s\).*0 B means none did.*SSE 72 B, a ": heartbeat" comment every 15 s/,
    );
    assert.match(note.zh, /短于 SSE（15 s）和 WebSocket（30 s）的心跳周期/);
    assert.ok(!quick.some((s) => /latency/.test(s.en)));
  });
});
