/**
 * The retry policy (src/retry/retry-policy.ts): the default backoff, the decisions, the crash-loop
 * rule, and replacing parts of it.
 */
import { jitteredDelayMs, nominalDelayMs } from '../../src/retry/backoff';
import {
  MAX_ERROR_MESSAGE_LENGTH,
  decideFailure as decide,
  defaultRetryPolicy,
  exhaustedByCrashes,
  exponentialBackoff,
  withOverrides,
  type RetryPolicy,
} from '../../src/retry/retry-policy';
import { InvalidPayloadError, NoHandlerError, PermanentError, TenantMismatchError } from '../../src/errors';

const backoff = { baseMs: 1000, maxMs: 60_000 };
const noRedact = (s: string) => s;
const retryDelayMs = (attempt: number, b: typeof backoff) =>
  exponentialBackoff(b)({ attempt, maxAttempts: 99, error: null, messageType: 'T' });
/** The default policy with the jitter pinned by `random` (default Math.random). */
const policyWith = (random?: () => number): RetryPolicy => defaultRetryPolicy({ ...backoff, random });
/** decideFailure with maxAttempts 5 and the default policy. */
function decideFailure(error: unknown, attempt: number, redact = noRedact, random?: () => number) {
  return decide({ error, attempt, maxAttempts: 5, messageType: 'T' }, policyWith(random), redact);
}

describe('exponential backoff', () => {
  test('nominal delay doubles per step from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => nominalDelayMs(n, backoff))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(nominalDelayMs(10_000, backoff)).toBe(60_000);
  });

  test('equal jitter keeps every delay within [nominal/2, nominal]', () => {
    for (const step of [1, 2, 3, 6, 9]) {
      const nominal = nominalDelayMs(step, backoff);
      expect(jitteredDelayMs(step, backoff, () => 0)).toBe(nominal / 2);
      expect(jitteredDelayMs(step, backoff, () => 0.999999)).toBe(Math.round(nominal / 2 + 0.999999 * (nominal / 2)));
      for (let i = 0; i < 50; i++) {
        const d = retryDelayMs(step, backoff);
        expect(d).toBeGreaterThanOrEqual(nominal / 2);
        expect(d).toBeLessThanOrEqual(nominal);
      }
    }
  });

  test('jitter spreads retries of messages that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, backoff)));
    expect(delays.size).toBeGreaterThan(5);
  });
});

describe('failure decisions', () => {
  test('an ordinary error before the last attempt is retried with the backoff of that attempt', () => {
    const d = decideFailure(new Error('boom'), 2, noRedact, () => 0);
    expect(d).toEqual({ kind: 'retry', delayMs: 1000, error: 'attempt 2 of 5 failed: boom' });
  });

  test('the last allowed attempt dead-letters with the last error', () => {
    const d = decideFailure(new Error('still broken'), 5);
    expect(d.kind).toBe('deadLetter');
    expect(d.error).toContain('after 5 of 5 attempts');
    expect(d.error).toContain('still broken');
  });

  test.each([
    ['PermanentError', new PermanentError('customer deleted')],
    ['invalid JSON payload', new InvalidPayloadError('Unexpected token')],
    ['tenant mismatch', new TenantMismatchError('b', 'a', '"QueueMessages"')],
  ])('%s dead-letters on the first attempt', (_name, err) => {
    const d = decideFailure(err, 1);
    expect(d.kind).toBe('deadLetter');
    expect(d.error).toContain('permanent failure on attempt 1');
  });

  test('an unknown message type is retried, then dead-lettered saying no handler appeared', () => {
    expect(decideFailure(new NoHandlerError('Mystery'), 1).kind).toBe('retry');
    const last = decideFailure(new NoHandlerError('Mystery'), 5);
    expect(last.kind).toBe('deadLetter');
    expect(last.error).toContain("no handler for message type 'Mystery'");
    expect(last.error).toContain('no handler appeared');
  });

  test('non-Error thrown values are described, secrets redacted, long errors truncated', () => {
    expect(decideFailure({ code: 42 }, 1).error).toContain('non-Error value thrown: {"code":42}');
    expect(decideFailure('plain string', 1).error).toContain('plain string');
    const redacted = decideFailure(new Error('login failed for password=hunter2'), 1, (s) => s.replace('hunter2', '***'));
    expect(redacted.error).not.toContain('hunter2');
    const long = decideFailure(new Error('x'.repeat(50_000)), 1);
    expect(long.error.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
  });
});

describe('replacing parts of the policy', () => {
  test('an override replaces only the parts it gives; the default fills the rest', () => {
    const delayMs = () => 42;
    const policy = withOverrides(
      policyWith(() => 0),
      { delayMs },
    );
    expect(policy.delayMs).toBe(delayMs);
    expect(policy.isPermanent(new PermanentError('x'))).toBe(true);
    expect(decide({ error: new Error('boom'), attempt: 1, maxAttempts: 5, messageType: 'T' }, policy, noRedact)).toMatchObject({
      kind: 'retry',
      delayMs: 42,
    });
  });

  test('a custom isPermanent dead-letters at once, and maxAttempts still bounds a policy that always retries', () => {
    class ValidationError extends Error {}
    const policy = withOverrides(policyWith(), { isPermanent: (e) => e instanceof ValidationError, delayMs: () => 0 });
    expect(decide({ error: new ValidationError('bad'), attempt: 1, maxAttempts: 5, messageType: 'T' }, policy, noRedact).kind).toBe(
      'deadLetter',
    );
    expect(decide({ error: new Error('other'), attempt: 5, maxAttempts: 5, messageType: 'T' }, policy, noRedact).kind).toBe('deadLetter');
    // Engine errors stay permanent whatever the policy says.
    const never = withOverrides(policyWith(), { isPermanent: () => false });
    expect(decide({ error: new InvalidPayloadError('x'), attempt: 1, maxAttempts: 5, messageType: 'T' }, never, noRedact).kind).toBe(
      'deadLetter',
    );
  });

  test('a delay that is not a number of milliseconds >= 0 is a clear error naming the type', () => {
    const policy = withOverrides(policyWith(), { delayMs: () => -1 });
    expect(() => decide({ error: new Error('x'), attempt: 1, maxAttempts: 5, messageType: 'SendEmail' }, policy, noRedact)).toThrow(
      /retry policy of message type 'SendEmail' returned delay -1/,
    );
  });
});

describe('claimed more often than maxAttempts (earlier attempts never finished)', () => {
  test('up to maxAttempts the message runs; beyond, it is dead-lettered with the last recorded error', () => {
    expect(exhaustedByCrashes(5, 5, null)).toBeUndefined();
    expect(exhaustedByCrashes(6, 5, 'attempt 4 failed: x')).toMatch(
      /^dead-lettered: claimed 6 times, more than maxAttempts 5; .*last recorded error: attempt 4 failed: x$/,
    );
  });
});
