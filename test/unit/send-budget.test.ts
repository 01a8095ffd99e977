import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BudgetHolder, SendBudget } from '../../server/transports/shared/send-budget.ts';

const holder = (name: string, evicted: string[]): BudgetHolder => ({ evict: () => evicted.push(name) });

describe('SendBudget', () => {
  it('cuts the holders paused longest, oldest first, until the total fits', () => {
    const evicted: string[] = [];
    const budget = new SendBudget(100);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => holder(n, evicted));
    assert.ok(a && b && c && d);
    budget.hold(a, 40);
    budget.hold(b, 40);
    assert.deepEqual(evicted, []);
    budget.hold(c, 40);
    assert.deepEqual(evicted, ['a']);
    assert.equal(budget.total, 80);
    budget.release(b);
    budget.hold(d, 90);
    assert.deepEqual(evicted, ['a', 'c']);
    assert.equal(budget.total, 90);
    assert.equal(budget.holders, 1);
  });

  it('never cuts the holder that just paused, and forgets released ones', () => {
    const evicted: string[] = [];
    const budget = new SendBudget(10);
    const big = holder('big', evicted);
    budget.hold(big, 50);
    assert.deepEqual(evicted, []);
    budget.release(big);
    budget.release(big);
    assert.equal(budget.total, 0);
  });
});
