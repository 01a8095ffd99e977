import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cdfPoints,
  formatMs,
  frameHeaderModel,
  mean,
  percentile,
  pollWaitModel,
  requestsPerMessage,
} from '../../client/dashboard/metrics.ts';

describe('metrics', () => {
  describe('#percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    it('is nearest-rank', () => {
      assert.equal(percentile(xs, 50), 50);
      assert.equal(percentile(xs, 90), 90);
      assert.equal(percentile(xs, 99), 99);
      assert.equal(percentile(xs, 100), 100);
      assert.equal(percentile([7], 99), 7);
    });
    it('is NaN without data, never 0', () => {
      assert.ok(Number.isNaN(percentile([], 50)));
      assert.ok(Number.isNaN(mean([])));
    });
  });

  describe('#cdfPoints', () => {
    it('ends at 1 and never has more points than asked', () => {
      const pts = cdfPoints(
        Array.from({ length: 1000 }, (_, i) => i),
        50,
      );
      assert.ok(pts.length <= 51);
      assert.equal(pts[pts.length - 1]?.y, 1);
      assert.deepEqual(cdfPoints([]), []);
    });
  });

  describe('models', () => {
    it('polling waits T/2 on average, T at most', () => {
      assert.deepEqual(pollWaitModel(1000), { meanMs: 500, maxMs: 1000 });
    });
    it('frame header is 2/4/10 bytes, +4 client → server', () => {
      assert.deepEqual(frameHeaderModel(125), { serverToClient: 2, clientToServer: 6 });
      assert.deepEqual(frameHeaderModel(126), { serverToClient: 4, clientToServer: 8 });
      assert.deepEqual(frameHeaderModel(65_536), { serverToClient: 10, clientToServer: 14 });
    });
    it('requests per message and ms labels', () => {
      assert.equal(requestsPerMessage(10, 5), 2);
      assert.ok(Number.isNaN(requestsPerMessage(10, 0)));
      assert.equal(formatMs(12.345), '12.3');
      assert.equal(formatMs(512.7), '513');
      assert.equal(formatMs(Number.NaN), '–');
    });
  });
});
