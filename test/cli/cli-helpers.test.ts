import { parseDuration } from '../../src/cli/duration';
import { mapSettledLimit } from '../../src/cli/map-limit';
import { formatAge, renderTable } from '../../src/cli/table';

describe('parseDuration (--delay)', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    [' 2M ', 120_000],
    ['0s', 0],
    // A bare number is seconds (as the demo's options and `sleep` read it).
    ['30', 30_000],
    ['2.5', 2_500],
    ['0', 0],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '10 s', '1w', '5s3', 'abc', '1.2.3'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration: use seconds \(5\) or a number with a unit/);
  });

  it.each(['-5s', '-3', ' -1m'])('rejects the negative %j, saying so', (text) => {
    expect(() => parseDuration(text)).toThrow(`'${text}' is negative: a delay is 0 or more`);
  });
});

describe('table helpers', () => {
  it('pads columns and keeps each row on one line', () => {
    expect(
      renderTable(
        ['A', 'LONG HEADER', 'C'],
        [
          ['x', 1, 'multi\nline'],
          ['yyyy', null, undefined],
        ],
      ),
    ).toBe('A     LONG HEADER  C\nx     1            multi line\nyyyy  -            -\n');
  });

  it('formats ages', () => {
    expect([null, 0.4, 42, 754, 7322, 90_061].map(formatAge)).toEqual(['-', '0s', '42s', '12m 34s', '2h 2m', '1d 1h']);
  });
});

describe('mapSettledLimit', () => {
  it('keeps input order, reports failures per item and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapSettledLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running -= 1;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([50, 10, 'four', 20, 30]);
  });
});
