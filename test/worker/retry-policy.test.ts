import { jitteredDelayMs, nominalDelayMs, retryDelayMs } from '../../src/worker/backoff';
import { decideFailure, MAX_ERROR_MESSAGE_LENGTH } from '../../src/worker/failure-policy';
import { InvalidPayloadError, NoHandlerError, PermanentError, TenantMismatchError } from '../../src/errors';

const backoff = { baseMs: 1000, maxMs: 60_000 };
const policy = { maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 60_000 };
const noRedact = (s: string) => s;

describe('exponential backoff', () => {
  test('nominal delay doubles per step from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => nominalDelayMs(n, backoff))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
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
    const d = decideFailure(new Error('boom'), 2, policy, noRedact, () => 0);
    expect(d).toEqual({ kind: 'retry', delayMs: 1000, error: 'attempt 2 of 5 failed: boom' });
  });

  test('the last allowed attempt dead-letters with the last error', () => {
    const d = decideFailure(new Error('still broken'), 5, policy, noRedact);
    expect(d.kind).toBe('deadLetter');
    expect(d.error).toContain('after 5 of 5 attempts');
    expect(d.error).toContain('still broken');
  });

  test.each([
    ['PermanentError', new PermanentError('customer deleted')],
    ['invalid JSON payload', new InvalidPayloadError('Unexpected token')],
    ['tenant mismatch', new TenantMismatchError('b', 'a', '"QueueMessages"')],
  ])('%s dead-letters on the first attempt', (_name, err) => {
    const d = decideFailure(err, 1, policy, noRedact);
    expect(d.kind).toBe('deadLetter');
    expect(d.error).toContain('permanent failure on attempt 1');
  });

  test('an unknown message type is retried, then dead-lettered saying no handler appeared', () => {
    expect(decideFailure(new NoHandlerError('Mystery'), 1, policy, noRedact).kind).toBe('retry');
    const last = decideFailure(new NoHandlerError('Mystery'), 5, policy, noRedact);
    expect(last.kind).toBe('deadLetter');
    expect(last.error).toContain("no handler for message type 'Mystery'");
    expect(last.error).toContain('no handler appeared');
  });

  test('non-Error thrown values are described, secrets redacted, long errors truncated', () => {
    expect(decideFailure({ code: 42 }, 1, policy, noRedact).error).toContain('non-Error value thrown: {"code":42}');
    expect(decideFailure('plain string', 1, policy, noRedact).error).toContain('plain string');
    const redacted = decideFailure(new Error('login failed for password=hunter2'), 1, policy, (s) => s.replace('hunter2', '***'));
    expect(redacted.error).not.toContain('hunter2');
    const long = decideFailure(new Error('x'.repeat(50_000)), 1, policy, noRedact);
    expect(long.error.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
  });
});
