/**
 * Parses a human duration for `--delay`: one or more number+unit parts, e.g. `500ms`, `30s`,
 * `2m`, `1h`, `1d`, `1m30s`, `1.5s`, or a bare number of seconds (`5`, `2.5`: seconds, as `sleep`
 * and the demo's options read them). Returns whole milliseconds; throws an Error saying what is
 * accepted (a negative duration says so).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

export function parseDuration(text: string): number {
  const input = text.trim().toLowerCase();
  const fail = (): never => {
    throw new Error(`'${text}' is not a duration: use seconds (5) or a number with a unit, e.g. 500ms, 30s, 2m, 1h, 1d or 1m30s`);
  };
  if (input === '') fail();
  if (input.startsWith('-')) throw new Error(`'${text}' is negative: a delay is 0 or more, e.g. 0, 30s or 2m`);
  if (BARE_SECONDS.test(input)) return checked(Number(input) * UNIT_MS.s, fail);
  PART.lastIndex = 0;
  let total = 0;
  let position = 0;
  while (position < input.length) {
    PART.lastIndex = position;
    const match = PART.exec(input);
    if (!match) return fail();
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    position = PART.lastIndex;
  }
  return checked(total, fail);
}

function checked(total: number, fail: () => never): number {
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) fail();
  return ms;
}
