import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { Attempt } from '../../client/lib/attempt.ts';
import { type Adapter, Driver } from '../../client/lib/driver.ts';
import type { FeedMessage } from '../../protocol/wire.ts';
import { Recorder } from '../support/client-recorder.ts';

/** One connection the fake adapter opened: its attempt, and how often the driver closed it. */
interface Dialled {
  attempt: Attempt;
  closed: number;
}

/**
 * A driver over a fake adapter that opens nothing on the wire: each connection is recorded, so
 * a test plays the transport's part by calling its attempt. Backoff bounds 100..1000 ms; with
 * Math.random pinned at 0.5 the delays are 50, 100, 200, … ms.
 */
function fake(dial?: (attempt: Attempt) => void) {
  const dialled: Dialled[] = [];
  const adapter: Adapter = () => (attempt) => {
    const d: Dialled = { attempt, closed: 0 };
    dialled.push(d);
    dial?.(attempt);
    return {
      close: () => {
        d.closed++;
      },
    };
  };
  const driver = new Driver(
    'poll',
    { baseUrl: 'http://127.0.0.1:1', backoff: { initialMs: 100, maxMs: 1000 } },
    adapter,
  );
  const last = (): Attempt => {
    const d = dialled.at(-1);
    assert.ok(d, 'a connection was dialled');
    return d.attempt;
  };
  return { driver, dialled, last };
}

const message = (seq: number): FeedMessage => ({ seq, ts: 0, source: 'chat', body: `m${seq}` });

/** Fails the live attempt, then checks the retry comes exactly `delay` ms later. */
function failAndExpectRetryAfter(f: ReturnType<typeof fake>, delay: number): void {
  const before = f.dialled.length;
  f.last().fail(new Error('lost'));
  mock.timers.tick(delay - 1);
  assert.equal(f.dialled.length, before, `no retry before ${delay} ms`);
  mock.timers.tick(1);
  assert.equal(f.dialled.length, before + 1, `a retry at ${delay} ms`);
}

describe('Driver', () => {
  beforeEach(() => {
    mock.method(Math, 'random', () => 0.5);
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });

  describe('#start', () => {
    it('reports connecting, dials one connection and resumes from the given position', () => {
      const f = fake();
      const rec = new Recorder();
      f.driver.start({ after: 7, epoch: 'e' }, rec);
      assert.deepEqual(rec.states, ['connecting']);
      assert.equal(f.dialled.length, 1);
      assert.deepEqual(f.last().position, { after: 7, epoch: 'e' });
      assert.deepEqual(f.driver.position, { after: 7, epoch: 'e' });
    });

    it('stops a run under way first: its connection is closed and its attempt goes stale', () => {
      const f = fake();
      const first = new Recorder();
      f.driver.start({}, first);
      const old = f.last();
      const second = new Recorder();
      f.driver.start({ after: 3 }, second);
      assert.deepEqual(first.states, ['connecting', 'closed']);
      assert.equal(f.dialled[0]?.closed, 1);
      assert.equal(old.live, false);
      old.message(message(4), 0);
      assert.deepEqual([first.received, second.received], [[], []], 'the old attempt is not heard');
      assert.deepEqual(f.driver.position, { after: 3 });
    });

    it('throws when the adapter cannot prepare (no WebSocket in Node), and stays closed', () => {
      const driver = new Driver('ws', { baseUrl: 'http://127.0.0.1:1' }, () => {
        throw new Error('no WebSocket implementation');
      });
      const rec = new Recorder();
      assert.throws(() => driver.start({}, rec), /no WebSocket/);
      assert.deepEqual(rec.states, []);
      assert.equal(driver.reconnectNow(), false);
    });
  });

  describe('failure', () => {
    it('closes the connection, reports the error and `reconnecting`, and retries after the backoff', () => {
      const f = fake();
      const rec = new Recorder();
      f.driver.start({}, rec);
      const lost = new Error('lost');
      f.last().fail(lost);
      assert.equal(f.dialled[0]?.closed, 1);
      assert.deepEqual(rec.errors, [lost]);
      assert.deepEqual(rec.states, ['connecting', 'reconnecting']);
      mock.timers.tick(49);
      assert.equal(f.dialled.length, 1, 'no retry before the backoff');
      mock.timers.tick(1);
      assert.equal(f.dialled.length, 2, 'one retry after it');
      assert.equal(f.last().recovering, true, 'the retry knows it follows a failure');
    });

    it("drops every call of a stale attempt: a failed connection's late callbacks are not heard", () => {
      const f = fake();
      const rec = new Recorder();
      f.driver.start({ after: 1, epoch: 'e' }, rec);
      const stale = f.last();
      stale.fail(new Error('lost'));
      const heard = [...rec.states, ...rec.errors];
      let ran = false;
      stale.later(0, () => {
        ran = true;
      });
      stale.setState('open');
      stale.healthy();
      stale.hello({ epoch: 'other', cursor: 0, reset: true });
      stale.read({ epoch: 'e', cursor: 5, messages: [message(2)] }, 0);
      stale.message(message(3), 0);
      stale.record({ kind: 'event', sentAt: 0, doneAt: 0, messages: 0, bytes: 0, outcome: 'ok' });
      stale.error(new Error('late'));
      stale.fail(new Error('late'));
      mock.timers.tick(49);
      assert.equal(stale.live, false);
      assert.equal(ran, false, "a stale attempt's timer never runs");
      assert.deepEqual([...rec.states, ...rec.errors], heard);
      assert.deepEqual([rec.received, rec.resets, rec.records], [[], [], []]);
      assert.deepEqual(f.driver.position, { after: 1, epoch: 'e' }, 'the position did not move');
      assert.equal(f.last().recovering, true, 'healthy() of a stale attempt did not reset the backoff');
      assert.equal(f.dialled.length, 1, 'the late fail did not schedule another retry');
      mock.timers.tick(1);
      assert.equal(f.dialled.length, 2);
    });

    it('backs off longer after each failure and starts over after a success', () => {
      const f = fake();
      f.driver.start({}, new Recorder());
      failAndExpectRetryAfter(f, 50);
      failAndExpectRetryAfter(f, 100);
      failAndExpectRetryAfter(f, 200);
      f.last().healthy();
      assert.equal(f.last().recovering, false);
      failAndExpectRetryAfter(f, 50);
    });

    it('counts a dial that throws as a failed attempt', () => {
      let throwing = true;
      const f = fake(() => {
        if (throwing) throw new Error('bad URL');
      });
      const rec = new Recorder();
      f.driver.start({}, rec);
      assert.deepEqual(
        rec.errors.map((e) => e.message),
        ['bad URL'],
      );
      assert.deepEqual(rec.states, ['connecting', 'reconnecting']);
      throwing = false;
      mock.timers.tick(50);
      assert.equal(f.dialled.length, 2);
      assert.equal(f.last().live, true);
    });

    it('schedules no retry when a handler stops the transport as the error is reported', () => {
      const f = fake();
      const rec = new Recorder();
      rec.error = () => f.driver.stop();
      f.driver.start({}, rec);
      f.last().fail(new Error('lost'));
      assert.deepEqual(rec.states, ['connecting', 'closed'], 'no `reconnecting` after `closed`');
      assert.equal(f.driver.reconnectNow(), false, 'no retry is pending');
      mock.timers.tick(10_000);
      assert.equal(f.dialled.length, 1);
    });

    it('reports no `reconnecting` into a run a handler started as the error was reported', () => {
      const f = fake();
      const rec = new Recorder();
      rec.error = () => f.driver.start({}, rec);
      f.driver.start({}, rec);
      f.last().fail(new Error('lost'));
      assert.deepEqual(rec.states, ['connecting', 'closed', 'connecting']);
      assert.equal(f.dialled.length, 2);
      assert.equal(f.last().live, true);
      mock.timers.tick(10_000);
      assert.equal(f.dialled.length, 2, 'no retry of the old run');
    });
  });

  describe('#stop', () => {
    it('closes the connection, cancels a pending retry and reports closed once', () => {
      const f = fake();
      const rec = new Recorder();
      f.driver.start({}, rec);
      f.driver.stop();
      f.driver.stop();
      assert.equal(f.dialled[0]?.closed, 1);
      assert.deepEqual(rec.states, ['connecting', 'closed']);

      f.driver.start({}, rec);
      f.last().fail(new Error('lost'));
      f.driver.stop();
      mock.timers.tick(10_000);
      assert.equal(f.dialled.length, 2, 'the pending retry never ran');
      assert.equal(rec.states.at(-1), 'closed');
    });
  });

  describe('#reconnectNow', () => {
    it('retries at once while backing off, without resetting the backoff', () => {
      const f = fake();
      f.driver.start({}, new Recorder());
      f.last().fail(new Error('lost'));
      assert.equal(f.driver.reconnectNow(), true);
      assert.equal(f.dialled.length, 2, 'dialled at once');
      mock.timers.tick(1000);
      assert.equal(f.dialled.length, 2, 'the retry it replaced does not run as well');
      failAndExpectRetryAfter(f, 100);
    });

    it('does nothing while connected or stopped', () => {
      const f = fake();
      assert.equal(f.driver.reconnectNow(), false);
      f.driver.start({}, new Recorder());
      assert.equal(f.driver.reconnectNow(), false);
      f.last().fail(new Error('lost'));
      f.driver.stop();
      assert.equal(f.driver.reconnectNow(), false);
      assert.equal(f.dialled.length, 1);
    });
  });
});
