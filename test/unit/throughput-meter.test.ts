/**
 * ThroughputMeter (src/worker/throughput-meter.ts): the start rate that sizes the prefetch follows
 * a rise at once (within a quarter window) and a fall over a few windows.
 */
import { ThroughputMeter } from '../../src/worker/throughput-meter';

describe('ThroughputMeter', () => {
  test('a rise is reported after a tenth of a window, not after a whole one', () => {
    const meter = new ThroughputMeter(0);
    meter.record(300);
    expect(meter.perSecond(5)).toBe(0); // too early to tell: the rate so far
    expect(meter.perSecond(30)).toBe(10_000); // 300 in 30 ms
  });

  test('a partial window counts only once enough messages started in it (a burst of slow handlers is not a rate)', () => {
    const meter = new ThroughputMeter(0, 20);
    meter.record(10); // ten slow handlers starting together
    expect(meter.perSecond(12)).toBe(0);
    meter.record(10);
    expect(meter.perSecond(20)).toBe(1_000); // 20 in 20 ms
  });

  test('a finished window is blended half and half into the rate', () => {
    const meter = new ThroughputMeter(0);
    meter.record(1_000);
    expect(meter.perSecond(100)).toBe(5_000); // 0 / 2 + 10,000 / 2
    meter.record(1_000);
    expect(meter.perSecond(200)).toBe(7_500);
  });

  test('a fall takes a few windows, and a slow start of a window does not lower the rate', () => {
    const meter = new ThroughputMeter(0);
    meter.record(2_000);
    expect(meter.perSecond(100)).toBe(10_000); // 0 / 2 + 20,000 / 2
    meter.record(2_000);
    expect(meter.perSecond(200)).toBe(15_000); // 10,000 / 2 + 20,000 / 2
    meter.record(10);
    expect(meter.perSecond(240)).toBe(15_000); // 10 in 40 ms is lower: the rate stands
    expect(meter.perSecond(300)).toBe(7_550); // the quiet window (100/s) halves it
  });

  test('a read after a long gap replaces the rate with the gap average', () => {
    const meter = new ThroughputMeter(0);
    meter.record(5_000);
    meter.perSecond(100);
    meter.record(10);
    expect(meter.perSecond(1_100)).toBe(10);
  });
});
