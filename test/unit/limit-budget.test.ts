import { LimitBudget, TENANT_SCOPE, bucketCapacity, countsRunning, rateScopes } from '../../src/store/shared/limit-budget';
import { rotate } from '../../src/store/shared/limited-claim';

const steps = (budget: LimitBudget, served: string[], order = served) => [...budget.steps(served, order)];

describe('LimitBudget: what one limited claim may take', () => {
  test('a concurrency cap allows cap - running (all types count for the tenant), never below 0', () => {
    const running = new Map([
      ['Mail', 2],
      ['Report', 1],
    ]);
    expect(steps(new LimitBudget({ concurrency: 5 }, new Map(), running, 10), ['Mail', 'Report'])).toEqual([
      { types: ['Mail', 'Report'], limit: 2 },
    ]);
    expect(steps(new LimitBudget({ concurrency: 2 }, new Map(), running, 10), ['Mail'])).toEqual([]);
  });

  test("a type is claimed on its own within its cap and the tenant's; the other types share the rest", () => {
    const budget = new LimitBudget({ concurrency: 6, types: { Mail: { concurrency: 2 } } }, new Map(), new Map([['Mail', 1]]), 10);
    // Steps are lazy: what one step took bounds the next (6 - 1 running = 5 for the tenant).
    const claims = budget.steps(['Mail', 'Report', 'Sms']);
    expect(claims.next().value).toEqual({ types: ['Mail'], limit: 1 });
    budget.took(new Map([['Mail', 1]]));
    expect(claims.next().value).toEqual({ types: ['Report', 'Sms'], limit: 4 });
    expect(claims.next().done).toBe(true);
  });

  test('a bucket refills by rate x elapsed up to one second of burst, and spends what the claims took', () => {
    const buckets = new Map([
      [TENANT_SCOPE, { tokens: 0.5, elapsedMs: 300 }],
      ['Mail', { tokens: 0, elapsedMs: 10_000 }],
    ]);
    const budget = new LimitBudget({ ratePerSecond: 10, types: { Mail: { ratePerSecond: 2 } } }, buckets, new Map(), 100);
    // Tenant: 0.5 + 3 = 3.5 tokens -> 3; Mail: full bucket of 2.
    const [mail] = steps(budget, ['Mail', 'Report']);
    expect(mail).toEqual({ types: ['Mail'], limit: 2 });
    budget.took(new Map([['Mail', 2]]));
    expect(steps(budget, ['Report'])).toEqual([{ types: ['Report'], limit: 1 }]);
    budget.took(new Map([['Report', 1]]));
    expect(budget.buckets()).toEqual(
      new Map([
        [TENANT_SCOPE, 0.5],
        ['Mail', 0],
      ]),
    );
  });

  test('helpers: a bucket holds at least one token; the scopes and the running count are only read where configured; rotation', () => {
    expect(bucketCapacity(0.2)).toBe(1);
    expect(bucketCapacity(50)).toBe(50);
    expect(
      rateScopes({ ratePerSecond: 1, types: { B: { ratePerSecond: 1 }, A: { concurrency: 1 }, C: { ratePerSecond: 2 } } }, ['C', 'A', 'B']),
    ).toEqual(['', 'B', 'C']);
    expect(countsRunning({ ratePerSecond: 1 }, ['A'])).toBe(false);
    expect(countsRunning({ types: { A: { concurrency: 1 } } }, ['B'])).toBe(false);
    expect(countsRunning({ types: { A: { concurrency: 1 } } }, ['A'])).toBe(true);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotate([], 3)).toEqual([]);
  });
});
