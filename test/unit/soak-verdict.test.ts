import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type MemorySample,
  SOAK_TRANSPORTS,
  type SoakTransport,
  type SoakTransportName,
} from '../../experiments/soak/schema.ts';
import { judgeSoak, MIN_JUDGED_MS, warmupFor } from '../../experiments/soak/verdict.ts';

const clean = (): Record<SoakTransportName, SoakTransport> =>
  Object.fromEntries(
    SOAK_TRANSPORTS.map((n) => [
      n,
      { clients: 5, delivered: 500, expected: 500, lost: 0, duplicated: 0, resets: 0, reconnects: 40 },
    ]),
  ) as Record<SoakTransportName, SoakTransport>;
const mem = (rssMiB: number): MemorySample => ({
  atMs: 0,
  published: 0,
  rssBytes: rssMiB * 2 ** 20,
  heapUsedBytes: 1,
  heapTotalBytes: 1,
  externalBytes: 1,
  arrayBuffersBytes: 1,
});
const LONG = MIN_JUDGED_MS;

describe('judgeSoak', () => {
  it('passes a clean run with RSS within 10 %', () => {
    const v = judgeSoak(LONG, clean(), mem(100), mem(109));
    assert.deepEqual(v.failures, []);
    assert.equal(v.ok, true);
    assert.ok(Math.abs(v.rssChange - 0.09) < 1e-9);
  });

  it('fails on any lost, duplicated, reset or undelivered message, naming the transport', () => {
    for (const [field, value, words] of [
      ['lost', 1, /sse: 1 lost/],
      ['duplicated', 2, /sse: 2 duplicated/],
      ['resets', 1, /sse: 1 resets/],
      ['delivered', 499, /sse: 499 of 500 delivered/],
    ] as const) {
      const t = clean();
      t.sse = { ...t.sse, [field]: value };
      const v = judgeSoak(LONG, t, mem(100), mem(100));
      assert.equal(v.ok, false, field);
      assert.match(v.failures.join('\n'), words);
    }
  });

  it('fails on RSS growth (or shrinkage) beyond 10 % in a long run, and only reports it in a short one', () => {
    assert.equal(judgeSoak(LONG, clean(), mem(100), mem(111)).ok, false);
    assert.equal(judgeSoak(LONG, clean(), mem(100), mem(89)).ok, false);
    const short = judgeSoak(LONG - 1, clean(), mem(100), mem(150));
    assert.equal(short.ok, true);
    assert.equal(short.rssJudged, false);
    assert.ok(Math.abs(short.rssChange - 0.5) < 1e-9);
  });
});

describe('warmupFor', () => {
  it('lasts until the history is full plus 10 s, at least a minute, at most half the run', () => {
    assert.equal(warmupFor(600_000, 10_000, 50), 210_000);
    assert.equal(warmupFor(600_000, 10_000, 1000), 60_000);
    assert.equal(warmupFor(300_000, 10_000, 10), 150_000);
    assert.equal(warmupFor(20_000, 10_000, 20), 10_000);
  });
});
