/**
 * The operability HTTP server: /livez, /readyz, /healthz, /metrics (default port 9464, config http.*).
 *
 * Node's own `http` module, no framework: four GET routes with no parameters, bodies or middleware do not
 * justify a dependency, and the fewer moving parts the more the endpoints can be trusted when the rest
 * of the process is in trouble.
 */
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { TqwMetrics } from '../metrics/metrics';
import { listenOrExplain } from './listen';
import { EventLoopDelayMonitor, type EventLoopDelayOptions } from './event-loop-delay';
import { createRequestListener, type RouteHandler } from './router';
import { healthzRoute } from './routes/healthz';
import { DEFAULT_MAX_P99_DELAY_MS, livezRoute } from './routes/livez';
import { metricsRoute } from './routes/metrics';
import { readyzRoute } from './routes/readyz';
import type { StatusProvider } from './status-provider';

export interface HttpServerOptions {
  /** Interface to bind (config http.host). */
  host: string;
  /** Port (config http.port, default 9464); 0 picks a free port, reported by the handle. */
  port: number;
  metrics: TqwMetrics;
  status: StatusProvider;
  logger: Logger;
  /** Applied to every string of /healthz and /readyz bodies and to logged errors. Default: identity. */
  redact?: (s: string) => string;
  /** /livez fails (503) when the p99 event-loop delay exceeds this. Default 2000 ms. */
  maxEventLoopDelayMs?: number;
  /** Sampling of the event-loop delay (defaults: 10 ms resolution, 10 s windows). */
  eventLoop?: EventLoopDelayOptions;
}

export interface HttpServerHandle {
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** Stops listening and ends every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const redact = options.redact ?? ((s: string) => s);
  const monitor = new EventLoopDelayMonitor(options.eventLoop);
  const routes = new Map<string, RouteHandler>([
    ['/livez', livezRoute(monitor, options.maxEventLoopDelayMs ?? DEFAULT_MAX_P99_DELAY_MS)],
    ['/readyz', readyzRoute(options.status, redact)],
    ['/healthz', healthzRoute(options.status, redact)],
    ['/metrics', metricsRoute(options.metrics)],
  ]);
  const server = createServer(
    // Short limits: probes and scrapes are tiny; a client that dawdles is not one we serve.
    { requestTimeout: 10_000, headersTimeout: 5_000 },
    createRequestListener({ routes, logger: options.logger, redact }),
  );

  monitor.start();
  let port: number;
  try {
    port = await listenOrExplain(server, { host: options.host, port: options.port, what: 'http server', configPrefix: 'http' });
  } catch (err) {
    monitor.stop();
    throw err;
  }
  server.on('error', (err) => options.logger.error({ err: redact(String(err)) }, 'http server error'));

  options.logger.debug({ host: options.host, port }, 'http server listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        monitor.stop();
        server.close(() => resolve());
        // close() alone waits for keep-alive sockets (Prometheus keeps its connection open) to time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
