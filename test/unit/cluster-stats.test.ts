import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceStats } from '../../protocol/wire.ts';
import { sumStats } from '../../server/observe/cluster-stats.ts';
import { Stats } from '../../server/observe/stats.ts';

/** An instance's counters with some traffic on poll and `/ws/chat`. */
function part(requests: number, bytes: number, since: number): InstanceStats {
  const stats = new Stats();
  stats.endpoint('poll', '/api/poll').counters = {
    requests,
    bytesIn: { header: bytes, payload: 0 },
    bytesOut: { header: bytes, payload: 2 * bytes },
  };
  stats.endpoint('ws', '/ws/chat').counters.requests = 1;
  stats.other.counters.requests = requests;
  stats.transports.poll.delivered = 3 * requests;
  stats.transports.ws.connections = 1;
  const { epoch: _e, head: _h, ...counts } = stats.snapshot({ epoch: 'E', head: 0 });
  return { ...counts, since };
}

describe('sumStats', () => {
  it('sums every counter, transports and endpoints alike, and keeps each instance apart', () => {
    const a = part(2, 100, 1000);
    const b = part(5, 7, 500);
    const s = sumStats(
      { epoch: 'E', head: 42 },
      new Map([
        ['a', a],
        ['b', b],
      ]),
      true,
    );
    assert.deepEqual([s.epoch, s.head, s.since, s.complete], ['E', 42, 500, true]);
    assert.equal(s.transports.poll.requests, 7);
    assert.equal(s.transports.poll.delivered, 21);
    assert.deepEqual(s.transports.poll.bytesOut, { header: 107, payload: 214 });
    assert.equal(s.transports.ws.connections, 2);
    assert.equal(s.endpoints['/ws/chat']?.requests, 2);
    assert.equal(s.endpoints['/api/poll']?.bytesIn.header, 107);
    assert.equal(s.other.requests, 7);
    assert.deepEqual(s.instances, { a, b });
  });

  it('with no instance answers zeros, not a failure', () => {
    const s = sumStats({ epoch: 'E', head: 0 }, new Map(), false);
    assert.equal(s.transports.sse.delivered, 0);
    assert.equal(s.complete, false);
    assert.deepEqual(s.instances, {});
  });
});
