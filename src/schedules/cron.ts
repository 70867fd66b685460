import { Cron } from 'croner';
import type { ScheduleConfig } from './types';

/** 5 fields (seconds fixed at 0) or 6 (seconds first); 7 (years) is refused. */
const CRON_MODE = '5-or-6-parts';
const SECOND_MS = 1_000;

/** A paused croner job: it never runs anything, it only computes occurrences. */
export function parseCron(expression: string, timezone: string): Cron {
  return new Cron(expression, { timezone, mode: CRON_MODE, paused: true });
}

/** Throws the reason when `expression` is no 5- or 6-field cron expression croner accepts. */
export function checkCron(expression: string): void {
  parseCron(expression, 'UTC');
}

/** Whether `timezone` is an IANA time zone this Node knows. */
export function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The occurrences of one schedule. */
export class ScheduleClock {
  private readonly cron: Cron;

  constructor(schedule: Pick<ScheduleConfig, 'cron' | 'timezone'>) {
    this.cron = parseCron(schedule.cron, schedule.timezone);
  }

  /** The most recent occurrence at or before `now`, or null when there is none. */
  latest(now: Date): Date | null {
    // croner drops the milliseconds of the reference and excludes it; occurrences fall on whole seconds.
    const reference = new Date(Math.floor(now.getTime() / SECOND_MS) * SECOND_MS + SECOND_MS);
    return this.cron.previousRuns(1, reference)[0] ?? null;
  }

  /** The first occurrence strictly after `now`, or null when there is none. */
  next(now: Date): Date | null {
    return this.cron.nextRun(now);
  }
}
