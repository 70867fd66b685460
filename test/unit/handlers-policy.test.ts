import type { Handler, LoadedHandler } from '../../src/handlers/types';
import { HandlerPolicies, resolvePolicy as resolve, type HandlerPolicy } from '../../src/handlers/resolve-policy';
import type { RetryPolicy } from '../../src/retry/retry-policy';
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

/** A policy with its retry part shown as the nominal values of its first two delays. */
function shown(policy: HandlerPolicy) {
  const delay = (attempt: number) => policy.retry.delayMs({ attempt, maxAttempts: 99, error: null, messageType: 'T' });
  const { retry: _retry, ...rest } = policy;
  return { ...rest, firstDelayMax: bound(() => delay(1)), secondDelayMax: bound(() => delay(2)) };
}
/** A jittered delay drawn at the top of its range: its nominal value. */
function bound(draw: () => number): number {
  const random = jest.spyOn(Math, 'random').mockReturnValue(0.9999999);
  try {
    return draw();
  } finally {
    random.mockRestore();
  }
}
const resolvePolicy = (l: LoadedHandler | undefined, o: WorkerOptions, r?: Partial<RetryPolicy>) => shown(resolve(l, o, r));

describe('resolvePolicy', () => {
  it('gives the worker defaults, transactional, when there is no handler', () => {
    expect(resolvePolicy(undefined, options)).toEqual({
      timeoutMs: 30_000,
      maxAttempts: 5,
      maxSnoozes: 100,
      firstDelayMax: 1_000,
      secondDelayMax: 2_000,
      transactional: true,
    });
  });

  it('gives the worker defaults for a handler that overrides nothing', () => {
    expect(resolvePolicy(loaded({}), options)).toEqual(resolvePolicy(undefined, options));
  });

  it('takes every override the handler gives', () => {
    const policy = resolvePolicy(
      loaded({ timeoutMs: 10_000, maxAttempts: 8, maxSnoozes: 3, backoffBaseMs: 200, backoffMaxMs: 5_000, transactional: false }),
      options,
    );
    expect(policy).toEqual({
      timeoutMs: 10_000,
      maxAttempts: 8,
      maxSnoozes: 3,
      firstDelayMax: 200,
      secondDelayMax: 400,
      transactional: false,
    });
  });

  it('mixes: overridden keys from the handler, the rest from the worker', () => {
    expect(resolvePolicy(loaded({ maxAttempts: 2, transactional: true }), options)).toEqual({
      timeoutMs: 30_000,
      maxAttempts: 2,
      maxSnoozes: 100,
      firstDelayMax: 1_000,
      secondDelayMax: 2_000,
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
    expect(policy.firstDelayMax).toBe(600_000);
    expect(policy.secondDelayMax).toBe(600_000);
  });

  it("keeps the handler's own cap even below the worker base", () => {
    const policy = resolvePolicy(loaded({ backoffMaxMs: 500 }), options);
    expect(policy.firstDelayMax).toBe(500);
    expect(policy.secondDelayMax).toBe(500);
  });

  it("takes the embedder's retry policy parts, and a handler's own parts over them", () => {
    const embedder = { delayMs: () => 7_000 };
    expect(resolvePolicy(loaded({}), options, embedder).firstDelayMax).toBe(7_000);
    expect(resolvePolicy(loaded({ retryPolicy: { delayMs: () => 300 } }), options, embedder).firstDelayMax).toBe(300);
  });

  it('HandlerPolicies builds one policy per handler and returns it again', () => {
    const policies = new HandlerPolicies(options);
    const h = loaded({ maxAttempts: 3 });
    expect(policies.of(h)).toBe(policies.of(h));
    expect(policies.of(h).maxAttempts).toBe(3);
    expect(policies.of(undefined).maxAttempts).toBe(5);
  });
});
