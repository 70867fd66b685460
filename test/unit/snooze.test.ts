/**
 * snooze(ms) (src/handlers/snooze.ts): what it accepts and refuses, how the worker recognises a
 * snooze, and the handler option maxSnoozes. The worker's handling of snoozes runs against real
 * databases in test/worker/snooze*.test.ts.
 */
import * as pkg from '../../src';
import { SnoozeInvalidError, TqwError } from '../../src/errors';
import { MAX_SNOOZE_MS, isSnooze, snooze } from '../../src/handlers/snooze';
import { validateHandler } from '../../src/handlers/validate-handler';
import { resolvePolicy } from '../../src/handlers/resolve-policy';
import { DEFAULT_WORKER_OPTIONS } from '../../src/worker/options';

describe('snooze(ms)', () => {
  test('takes whole milliseconds from 0 to 30 days and returns a frozen snooze of that delay', () => {
    expect(MAX_SNOOZE_MS).toBe(30 * 24 * 60 * 60 * 1000);
    for (const ms of [0, 1, 60_000, MAX_SNOOZE_MS]) {
      const s = snooze(ms);
      expect(s.delayMs).toBe(ms);
      expect(isSnooze(s)).toBe(true);
      expect(Object.isFrozen(s)).toBe(true);
    }
  });

  test.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_SNOOZE_MS + 1, '100', null, undefined])(
    'snooze(%p) throws TQW_SNOOZE_INVALID naming the value and the range',
    (ms) => {
      let thrown: unknown;
      try {
        snooze(ms as number);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SnoozeInvalidError);
      expect(thrown).toBeInstanceOf(TqwError);
      expect((thrown as SnoozeInvalidError).code).toBe('TQW_SNOOZE_INVALID');
      expect((thrown as Error).message).toMatch(
        /^snooze\(.+\) is invalid: the delay must be a whole number of milliseconds from 0 to 2592000000 \(30 days\)/,
      );
    },
  );

  test('a snooze is recognised by its mark, also as a copy (another copy of the package); nothing else is one', () => {
    expect(isSnooze({ ...snooze(5) })).toBe(true);
    // The form documented for handler files that cannot require the package (examples/handlers/README.md).
    expect(isSnooze({ [Symbol.for('tenant-queue-worker.snooze')]: true, delayMs: 60_000 })).toBe(true);
    for (const value of [undefined, null, 5, 'snooze', { delayMs: 5 }, [snooze(5)], Promise.resolve(snooze(5))]) {
      expect(isSnooze(value)).toBe(false);
    }
  });

  test('the package exports snooze and its errors', () => {
    expect(pkg.snooze).toBe(snooze);
    expect(pkg.isSnooze).toBe(isSnooze);
    expect(pkg.SnoozeInvalidError).toBe(SnoozeInvalidError);
    expect(typeof pkg.SnoozeLimitError).toBe('function');
  });
});

describe('the handler option maxSnoozes', () => {
  const handle = () => undefined;

  test('an integer >= 0 overrides worker.maxSnoozes; without it the worker default (100) applies', () => {
    expect(DEFAULT_WORKER_OPTIONS.maxSnoozes).toBe(100);
    const own = validateHandler({ type: 'A', maxSnoozes: 0, handle }, '<inline>');
    expect(resolvePolicy(own, DEFAULT_WORKER_OPTIONS).maxSnoozes).toBe(0);
    const plain = validateHandler({ type: 'B', handle }, '<inline>');
    expect(resolvePolicy(plain, { ...DEFAULT_WORKER_OPTIONS, maxSnoozes: 7 }).maxSnoozes).toBe(7);
  });

  test.each([-1, 2.5, '3', null])('maxSnoozes %p is refused at load time (TQW_HANDLER_INVALID)', (value) => {
    expect(() => validateHandler({ type: 'A', maxSnoozes: value, handle }, 'h.js')).toThrow(
      expect.objectContaining({ code: 'TQW_HANDLER_INVALID', message: expect.stringContaining('maxSnoozes must be an integer >= 0') }),
    );
  });

  test('a misspelt maxSnooze is an unknown key with a suggestion', () => {
    expect(() => validateHandler({ type: 'A', maxSnooze: 3, handle }, 'h.js')).toThrow(/'maxSnooze' \(did you mean 'maxSnoozes'\?\)/);
  });
});
