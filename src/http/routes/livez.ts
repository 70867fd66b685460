/**
 * GET /livez: is the process alive and its event loop responsive?
 *
 * 200 `ok` plus the measured event-loop delay. 503 when the p99 event-loop delay (current and previous
 * window, see event-loop-delay.ts) exceeds `maxP99DelayMs` (default 2000 ms): a loop that late for most of
 * its ticks means timers, heartbeats and sockets all fire seconds late, and a restart is the remedy.
 * p99 rather than max: one long garbage collection or a single slow synchronous handler is not a reason to
 * kill the process. A loop that is blocked outright cannot answer at all, and the probe times out.
 */
import type { EventLoopDelayMonitor } from '../event-loop-delay';
import { text, type HttpResponse } from '../response';

export const DEFAULT_MAX_P99_DELAY_MS = 2_000;

export function livezRoute(monitor: EventLoopDelayMonitor, maxP99DelayMs = DEFAULT_MAX_P99_DELAY_MS): () => HttpResponse {
  return () => {
    const { p99Ms, maxMs } = monitor.read();
    const numbers = `event_loop_delay_p99_ms ${p99Ms.toFixed(1)}\nevent_loop_delay_max_ms ${maxMs.toFixed(1)}\n`;
    if (p99Ms > maxP99DelayMs) {
      return text(503, `event loop overloaded: p99 delay ${p99Ms.toFixed(1)} ms exceeds ${maxP99DelayMs} ms\n${numbers}`);
    }
    return text(200, `ok\n${numbers}`);
  };
}
