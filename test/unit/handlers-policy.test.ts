import type { Handler, LoadedHandler } from '../../src/handlers/types';
import { resolvePolicy } from '../../src/handlers/resolve-policy';
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from '../../src/worker/options';

const options: WorkerOptions = {
  ...DEFAULT_WORKER_OPTIONS,
  handlerTimeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 300_000,
};

const loaded = (overrides: Partial<Handler>): LoadedHandler => ({
  handler: { type: 'T', handle: () => {}, ...overrides },
  types: ['T'],
  source: '<inline>',
});

describe('resolvePolicy', () => {
  it('gives the worker defaults, transactional, when there is no handler', () => {
    expect(resolvePolicy(undefined, options)).toEqual({
      timeoutMs: 30_000,
      maxAttempts: 5,
      backoffBaseMs: 1_000,
      backoffMaxMs: 300_000,
      transactional: true,
    });
  });

  it('gives the worker defaults for a handler that overrides nothing', () => {
    expect(resolvePolicy(loaded({}), options)).toEqual(resolvePolicy(undefined, options));
  });

  it('takes every override the handler gives', () => {
    const policy = resolvePolicy(
      loaded({ timeoutMs: 10_000, maxAttempts: 8, backoffBaseMs: 200, backoffMaxMs: 5_000, transactional: false }),
      options,
    );
    expect(policy).toEqual({ timeoutMs: 10_000, maxAttempts: 8, backoffBaseMs: 200, backoffMaxMs: 5_000, transactional: false });
  });

  it('mixes: overridden keys from the handler, the rest from the worker', () => {
    expect(resolvePolicy(loaded({ maxAttempts: 2, transactional: true }), options)).toEqual({
      timeoutMs: 30_000,
      maxAttempts: 2,
      backoffBaseMs: 1_000,
      backoffMaxMs: 300_000,
      transactional: true,
    });
  });

  it('follows the worker options it is given', () => {
    const policy = resolvePolicy(loaded({}), { ...options, handlerTimeoutMs: 1_234, maxAttempts: 9 });
    expect(policy.timeoutMs).toBe(1_234);
    expect(policy.maxAttempts).toBe(9);
  });

  it('raises the worker cap to a handler base above it when the handler gives no cap', () => {
    const policy = resolvePolicy(loaded({ backoffBaseMs: 600_000 }), options);
    expect(policy.backoffBaseMs).toBe(600_000);
    expect(policy.backoffMaxMs).toBe(600_000);
  });

  it("keeps the handler's own cap even below the worker base", () => {
    const policy = resolvePolicy(loaded({ backoffMaxMs: 500 }), options);
    expect(policy.backoffBaseMs).toBe(1_000);
    expect(policy.backoffMaxMs).toBe(500);
  });
});
