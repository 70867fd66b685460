/**
 * RunningAttempts (src/worker/running-attempts.ts) with AttemptControl: one timer for every running
 * attempt's timeout, and each tenant's shutdown signal aborting exactly that tenant's attempts.
 * Real timers, short timeouts.
 */
import { HandlerTimeoutError, ShutdownAbortError } from '../../src/errors';
import { AttemptControl } from '../../src/worker/attempt-control';
import { RunningAttempts } from '../../src/worker/running-attempts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An attempt whose run() never settles by itself: what it settles with is the abort, if any. */
function hanging(control: AttemptControl): Promise<unknown> {
  return control
    .run(() => new Promise<never>(() => undefined))
    .then(
      () => 'resolved',
      (err: unknown) => err,
    );
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('RunningAttempts', () => {
  test('each attempt times out at its own deadline, across different timeout lengths, with HandlerTimeoutError', async () => {
    const running = new RunningAttempts();
    const tenant = new AbortController().signal;
    const started = performance.now();
    const at: Record<string, number> = {};
    const watch = (name: string, timeoutMs: number) => {
      const control = new AttemptControl(timeoutMs, tenant, running);
      return hanging(control).then((outcome) => {
        at[name] = performance.now() - started;
        control.dispose();
        return outcome;
      });
    };
    // A long attempt first, then shorter ones: the timer must follow the earliest deadline of any list.
    const outcomes = await Promise.all([watch('long', 120), watch('short', 30), watch('mid', 60), watch('short2', 30)]);
    for (const o of outcomes) expect(o).toBeInstanceOf(HandlerTimeoutError);
    expect((outcomes[0] as HandlerTimeoutError).message).toMatch(/120/);
    for (const [name, ms] of [
      ['short', 30],
      ['short2', 30],
      ['mid', 60],
      ['long', 120],
    ] as const) {
      expect(at[name]).toBeGreaterThanOrEqual(ms - 1);
      expect(at[name]).toBeLessThan(ms + 200);
    }
    expect(at.short).toBeLessThan(at.mid!);
    expect(at.mid).toBeLessThan(at.long!);
    expect(running.size).toBe(0);
  });

  test('an attempt that finished is never aborted, and with no attempt left no timer keeps the process alive', async () => {
    const running = new RunningAttempts();
    const tenant = new AbortController().signal;
    const before = timers();
    const control = new AttemptControl(30, tenant, running);
    expect(timers()).toBe(before + 1);
    await control.run(() => 'done');
    control.dispose();
    expect(running.size).toBe(0);
    expect(timers()).toBe(before);
    await sleep(50);
    expect(control.signal.aborted).toBe(false);
  });

  test("a tenant's shutdown aborts its running attempts with ShutdownAbortError and leaves other tenants' alone", async () => {
    const running = new RunningAttempts();
    const a = new AbortController();
    const b = new AbortController();
    const a1 = new AttemptControl(60_000, a.signal, running);
    const a2 = new AttemptControl(30_000, a.signal, running);
    const b1 = new AttemptControl(60_000, b.signal, running);
    const outcomes = [hanging(a1), hanging(a2)];
    running.abortTenant(a.signal);
    expect(await Promise.all(outcomes)).toEqual([expect.any(ShutdownAbortError), expect.any(ShutdownAbortError)]);
    expect(a1.signal.aborted).toBe(true);
    expect(b1.signal.aborted).toBe(false);
    expect(running.size).toBe(1);
    b1.dispose();
    expect(running.size).toBe(0);
  });

  test('an attempt started after its tenant shut down is aborted at once', async () => {
    const running = new RunningAttempts();
    const tenant = new AbortController();
    tenant.abort();
    const control = new AttemptControl(60_000, tenant.signal, running);
    expect(running.size).toBe(0);
    await expect(control.run(() => 'never')).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(control.signal.reason).toBeInstanceOf(ShutdownAbortError);
  });
});
