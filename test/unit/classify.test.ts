import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleClassifier } from '../../client/dashboard/classify.ts';

const msg = (seq: number, ts: number, source = 'ticker') => ({ seq, ts, source });

describe('SampleClassifier', () => {
  describe('#classify', () => {
    it('counts a message published before the lane listened again as catch-up, the rest live', () => {
      const c = new SampleClassifier<'sse' | 'ws'>();
      c.listening('sse', 1000);
      assert.deepEqual(c.classify('sse', [msg(1, 1100)]), ['live']);
      c.listening('sse', 5000); // paused at ~2000, resumed at 5000
      assert.deepEqual(c.classify('sse', [msg(2, 2500, 'chat'), msg(3, 4999), msg(4, 5001)]), [
        'catch-up',
        'catch-up',
        'live',
      ]);
    });

    it('counts a burst and the backlog delivered with it apart, per lane, until that lane has the last one', () => {
      const c = new SampleClassifier<'poll' | 'ws'>();
      c.listening('poll', 0);
      c.listening('ws', 0);
      c.burstStarted(1000, ['poll', 'ws']);
      assert.deepEqual(c.classify('ws', [msg(10, 1001, 'bench'), msg(11, 1002)]), ['burst', 'burst']);
      c.burstStored(12);
      assert.deepEqual(c.classify('ws', [msg(12, 1003, 'bench')]), ['burst']);
      assert.deepEqual(c.classify('ws', [msg(13, 1500)]), ['live'], 'ws is through the burst');
      assert.deepEqual(c.classify('poll', [msg(10, 1001, 'bench'), msg(11, 1002), msg(12, 1003, 'bench')]), [
        'burst',
        'burst',
        'burst',
      ]);
      assert.deepEqual(c.classify('poll', [msg(14, 1600)]), ['live']);
    });

    it('closes a lane that was already past the burst when the server answered', () => {
      const c = new SampleClassifier<'sse'>();
      c.burstStarted(0, ['sse']);
      c.classify('sse', [msg(1, 1, 'bench'), msg(2, 2, 'bench')]);
      c.burstStored(2);
      assert.deepEqual(c.classify('sse', [msg(3, 10)]), ['live']);
    });

    it('attributes nothing more to a burst that failed', () => {
      const c = new SampleClassifier<'sse'>();
      c.burstStarted(0, ['sse']);
      c.burstFailed();
      assert.deepEqual(c.classify('sse', [msg(1, 5)]), ['live']);
    });
  });
});
