import { describe, expect, it } from 'vitest';
import { allocate, type Claimant } from '../../src/engine/allocate.ts';

const c = (
  id: string,
  priority: number,
  due: number,
  rate = 1,
  holdsPriority = true,
): Claimant => ({ id, priority, due, rate, holdsPriority });

describe('channel allocation between tasks', () => {
  it('strict: a higher priority task inside its window blocks lower ones even when it leaves channels unused', () => {
    const r = allocate([c('high', 1, 2), c('low', 3, 10)], 30, 'strict');
    expect(Object.fromEntries(r)).toEqual({ high: 2, low: 0 });
  });
  it('strict: a higher priority task outside its window (or without data) does not block', () => {
    const r = allocate([c('high', 1, 0, 1, false), c('low', 3, 10)], 30, 'strict');
    expect(r.get('low')).toBe(10);
  });
  it('fill: lower priorities use what higher ones leave this tick', () => {
    const r = allocate([c('high', 1, 2), c('low', 3, 10)], 8, 'fill');
    expect(Object.fromEntries(r)).toEqual({ high: 2, low: 6 });
  });
  it('equal priorities share channels in proportion to their configured rates', () => {
    const r = allocate([c('a', 2, 100, 3), c('b', 2, 100, 1)], 20, 'strict');
    expect(Object.fromEntries(r)).toEqual({ a: 15, b: 5 });
  });
  it('a task that needs less than its share leaves the rest to its peers', () => {
    const r = allocate([c('a', 2, 2, 1), c('b', 2, 100, 1)], 20, 'strict');
    expect(Object.fromEntries(r)).toEqual({ a: 2, b: 18 });
  });
  it('never hands out more than the free channels', () => {
    const r = allocate([c('a', 1, 7, 1), c('b', 1, 7, 1), c('c', 1, 7, 1)], 10, 'fill');
    expect([...r.values()].reduce((s, n) => s + n, 0)).toBe(10);
  });
});

describe('one channel at a time, with the fraction owed carried over', () => {
  /** Splits `free` channels `rounds` times, carrying each task's credit; returns the totals. */
  function rounds(claimants: Claimant[], free: number, n: number): Record<string, number> {
    const total: Record<string, number> = Object.fromEntries(claimants.map((x) => [x.id, 0]));
    let cs = claimants;
    for (let i = 0; i < n; i++) {
      const credits = new Map<string, number>();
      const got = allocate(cs, free, 'fill', credits);
      for (const [id, k] of got) total[id]! += k;
      cs = cs.map((x) => ({ ...x, credit: credits.get(x.id)! }));
    }
    return total;
  }
  it('goes round equal tasks in turn rather than always to the first', () => {
    expect(rounds([c('a', 1, 5), c('b', 1, 5)], 1, 10)).toEqual({ a: 5, b: 5 });
  });
  it('goes round by rate: 1 : 2 : 1', () => {
    expect(rounds([c('a', 1, 5, 1), c('b', 1, 5, 2), c('c', 1, 5, 1)], 1, 40)).toEqual({
      a: 10,
      b: 20,
      c: 10,
    });
  });
  it('without credits (a single split) it is the split of one instant', () => {
    expect(rounds([c('a', 1, 5), c('b', 1, 5)], 1, 1)).toEqual({ a: 1, b: 0 });
  });
});

describe('tasks held back by priority', () => {
  it('strict holds back every task below the highest one holding priority; fill holds back none', async () => {
    const { heldBack } = await import('../../src/engine/allocate.ts');
    const cs = [c('a', 1, 0, 1, false), c('b', 2, 5), c('c', 3, 5), c('d', 2, 5)];
    expect([...heldBack(cs, 'strict')]).toEqual(['c']);
    expect([...heldBack(cs, 'fill')]).toEqual([]);
  });
});
