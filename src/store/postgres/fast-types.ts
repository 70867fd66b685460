import pg from 'pg';

/** PostgreSQL's type oid of timestamptz. */
const TIMESTAMPTZ = 1184;

const defaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date | number | null;

function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}

function two(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1);
}

/**
 * timestamptz text -> Date, exactly as node-postgres' default parser (postgres-date) returns it, for
 * the one shape PostgreSQL writes with DateStyle ISO: `YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM[:SS]]`
 * (any session TimeZone). Anything else (BC, years beyond 9999 or before 100, infinity) goes to
 * the default parser. Without regular expressions and substrings: a claim of 100 rows parses 300
 * timestamps, and the default parser's allocations showed up as a tenth of the worker's garbage.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const n = text.length;
  if (
    n < 22 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return defaultTimestamptz(text);
  }
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === 46) {
    // Fraction: the nearest double to 0.fff... times 1000, as parseFloat('.fff...') * 1000 gives.
    let digits = 0;
    let scale = 1;
    i += 1;
    while (i < n) {
      const d = digit(text, i);
      if (Number.isNaN(d)) break;
      digits = digits * 10 + d;
      scale *= 10;
      i += 1;
    }
    if (scale === 1 || scale > 1e6) return defaultTimestamptz(text);
    ms = 1000 * (digits / scale);
  }
  const sign = text.charCodeAt(i);
  if ((sign !== 43 && sign !== 45) || i + 3 > n) return defaultTimestamptz(text);
  let offsetSeconds = two(text, i + 1) * 3600;
  i += 3;
  if (i < n) {
    if (text.charCodeAt(i) !== 58 || i + 3 > n) return defaultTimestamptz(text);
    offsetSeconds += two(text, i + 1) * 60;
    i += 3;
    if (i < n) {
      if (text.charCodeAt(i) !== 58 || i + 3 !== n) return defaultTimestamptz(text);
      offsetSeconds += two(text, i + 1);
      i += 3;
    }
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (Number.isNaN(utc) || year < 100) return defaultTimestamptz(text);
  return new Date(utc - (sign === 45 ? -1 : 1) * offsetSeconds * 1000);
}

/** Type parsers for the claim's rows: node-postgres' defaults, with the fast timestamptz parser. */
export const CLAIM_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMPTZ && format !== 'binary'
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};
