import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Backoff, backoffDelay } from '../../client/lib/backoff.ts';

const opts = { initialMs: 100, maxMs: 1000 };

describe('backoff', () => {
  describe('#backoffDelay', () => {
    it('draws from [0, initial · 2^attempt): the ceiling doubles per attempt', () => {
      const top = 1 - Number.EPSILON;
      assert.deepEqual(
        [0, 1, 2, 3].map((a) => Math.round(backoffDelay(a, opts, () => top))),
        [100, 200, 400, 800],
      );
      assert.equal(
        backoffDelay(3, opts, () => 0),
        0,
      );
      assert.equal(
        backoffDelay(2, opts, () => 0.5),
        200,
      );
    });

    it('is capped at maxMs, even for attempts whose 2^attempt overflows', () => {
      assert.equal(
        backoffDelay(4, opts, () => 0.5),
        500,
      );
      assert.equal(
        backoffDelay(10_000, opts, () => 0.5),
        500,
      );
      assert.ok(Number.isFinite(backoffDelay(10_000, opts)));
    });

    it('stays within [0, min(max, initial · 2^attempt)] for any input', () => {
      fc.assert(
        fc.property(
          fc.nat(2000),
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 100_000 }),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
          (attempt, initialMs, maxMs, r) => {
            const d = backoffDelay(attempt, { initialMs, maxMs }, () => r);
            return d >= 0 && d <= Math.min(maxMs, initialMs * 2 ** attempt);
          },
        ),
      );
    });
  });

  describe('Backoff', () => {
    it('waits longer after each failure and starts over after a success', () => {
      const b = new Backoff(opts, () => 0.5);
      assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [50, 100, 200, 400, 500]);
      assert.equal(b.attempt, 5);
      b.reset();
      assert.equal(b.attempt, 0);
      assert.equal(b.next(), 50);
    });

    it('spreads retries with jitter (full jitter, not a fixed delay)', () => {
      const b = new Backoff({ initialMs: 1000, maxMs: 1000 });
      const delays = new Set(Array.from({ length: 20 }, () => b.next()));
      assert.ok(delays.size > 1, 'delays should differ');
      for (const d of delays) assert.ok(d >= 0 && d < 1000);
    });
  });
});
