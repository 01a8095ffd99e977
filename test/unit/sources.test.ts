import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextGap } from '../../server/feed/sources.ts';

/** A seeded generator (mulberry32), so the statistics below are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('sources', () => {
  describe('#nextGap', () => {
    it('fixed timing is a metronome', () => {
      assert.equal(nextGap(1000, 'fixed'), 1000);
    });

    it('random timing is exponential with the given mean: a Poisson process', () => {
      const random = seeded(42);
      const gaps = Array.from({ length: 20_000 }, () => nextGap(1000, 'random', random));
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      assert.ok(Math.abs(mean - 1000) < 30, `mean ${mean}`);
      // Memoryless: about 1/e of the gaps are longer than the mean, and none is negative.
      const longer = gaps.filter((g) => g > 1000).length / gaps.length;
      assert.ok(Math.abs(longer - Math.exp(-1)) < 0.02, `${longer} longer than the mean`);
      assert.ok(gaps.every((g) => g >= 0 && Number.isFinite(g)));
    });
  });
});
