/** The operability HTTP server, for real: Node's http on 127.0.0.1, a real prom-client registry, Node's fetch. */
import { request as httpRequest, Agent } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError } from '../../src/errors';
import { createMetrics, type TenantGaugeSnapshot, type TqwMetrics } from '../../src/metrics/metrics';
import { startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../../src/http/server';
import type { HealthReport, StatusProvider } from '../../src/http/status-provider';
import { parseSamples, valueOf } from './metrics-prom-text';

const SECRET = 'hunter2-very-secret';
const redact = (s: string) => s.split(SECRET).join('***');

/** A status provider the test flips, like the worker does while starting and draining. */
function fakeStatus() {
  const state = {
    ready: { ready: false, reason: 'starting' } as { ready: boolean; reason?: string },
    health: {
      status: 'degraded',
      tenants: [
        {
          id: 'acme',
          store: 'postgres',
          state: 'up',
          lastSuccessfulPollAt: '2026-11-24T10:00:00.000Z',
          consecutiveFailures: 0,
          inflight: 2,
          lastError: null,
        },
        {
          id: 'globex',
          store: 'sqlserver',
          state: 'down',
          lastSuccessfulPollAt: null,
          consecutiveFailures: 4,
          inflight: 0,
          lastError: `Login failed for user 'app' (password=${SECRET})`,
        },
      ],
    } as HealthReport,
    throwOnHealth: undefined as Error | undefined,
  };
  const provider: StatusProvider = {
    isReady: () => state.ready,
    health: () => {
      if (state.throwOnHealth) throw state.throwOnHealth;
      return state.health;
    },
  };
  return { state, provider };
}

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

describe('HTTP server', () => {
  let server: HttpServerHandle;
  let base: string;
  let metrics: TqwMetrics;
  let tenants: TenantGaugeSnapshot[];
  let status: ReturnType<typeof fakeStatus>;
  let log: ReturnType<typeof memoryLogger>;
  let sourceThrows: boolean;

  beforeEach(async () => {
    tenants = [{ id: 'acme', up: true, inflight: 2, depth: { Pending: 7, Processing: 2, Failed: 0, DeadLetter: 1 } }];
    sourceThrows = false;
    metrics = createMetrics({
      source: {
        tenants: () => {
          if (sourceThrows) throw new Error(`metrics source exploded (password=${SECRET})`);
          return tenants;
        },
      },
    });
    status = fakeStatus();
    log = memoryLogger();
    server = await startHttpServer({ host: '127.0.0.1', port: 0, metrics, status: status.provider, logger: log.logger, redact });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterEach(async () => {
    await server.close();
    // Whatever happened, no secret may have reached the log.
    expect(log.lines.join('\n')).not.toContain(SECRET);
  });

  it('listens on the port it was given (0: a free one) and reports it', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('GET /livez answers ok with the event-loop delay', async () => {
    const res = await fetch(`${base}/livez`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).toMatch(/^ok\nevent_loop_delay_p99_ms \d+\.\d\nevent_loop_delay_max_ms \d+\.\d\n$/);
  });

  it('GET /readyz follows the provider: starting (503), ready (200), draining (503)', async () => {
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('starting\n');

    status.state.ready = { ready: true };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ready\n');

    status.state.ready = { ready: false, reason: 'draining' };
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('draining\n');
  });

  it('GET /healthz returns the health report as JSON, every string redacted again', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    const body = JSON.parse(text) as HealthReport;
    expect(body).toEqual({
      status: 'degraded',
      tenants: [
        status.state.health.tenants[0],
        { ...status.state.health.tenants[1], lastError: "Login failed for user 'app' (password=***)" },
      ],
    });
  });

  it('GET /metrics serves the registry in Prometheus text with its content type', async () => {
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('acme', 'email', 'completed');
    metrics.messageProcessed('acme', 'email', 'dead_lettered');
    metrics.messageDuration('acme', 'email', 0.5);
    metrics.messageLag('acme', 'email', 2);
    metrics.poll('acme', 'hit', 0.01);
    metrics.poll('acme', 'empty', 0.01);
    metrics.configReload('failure');

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    const samples = parseSamples(await res.text());
    expect(valueOf(samples, 'tqw_messages_processed_total', { tenant: 'acme', type: 'email', outcome: 'completed' })).toBe(2);
    expect(valueOf(samples, 'tqw_messages_processed_total', { tenant: 'acme', type: 'email', outcome: 'dead_lettered' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_duration_seconds_count', { tenant: 'acme', type: 'email' })).toBe(1);
    expect(valueOf(samples, 'tqw_message_lag_seconds_count', { tenant: 'acme', type: 'email' })).toBe(1);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'acme', result: 'hit' })).toBe(1);
    expect(valueOf(samples, 'tqw_polls_total', { tenant: 'acme', result: 'empty' })).toBe(1);
    expect(valueOf(samples, 'tqw_poll_duration_seconds_count', { tenant: 'acme' })).toBe(2);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'Pending' })).toBe(7);
    expect(valueOf(samples, 'tqw_queue_depth', { tenant: 'acme', status: 'DeadLetter' })).toBe(1);
    expect(valueOf(samples, 'tqw_inflight_messages', { tenant: 'acme' })).toBe(2);
    expect(valueOf(samples, 'tqw_tenant_up', { tenant: 'acme' })).toBe(1);
    expect(valueOf(samples, 'tqw_config_reloads_total', { result: 'failure' })).toBe(1);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);

    // A scrape reflects the worker's state at that moment.
    tenants = [{ id: 'acme', up: false, inflight: 0 }];
    const later = parseSamples(await (await fetch(`${base}/metrics`)).text());
    expect(valueOf(later, 'tqw_tenant_up', { tenant: 'acme' })).toBe(0);
  });

  it('HEAD is allowed where GET is: same status and headers, no body', async () => {
    status.state.ready = { ready: true };
    for (const path of ['/livez', '/readyz', '/healthz', '/metrics']) {
      const head = await fetch(`${base}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    }
    status.state.ready = { ready: false, reason: 'draining' };
    const head = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength('draining\n')));
  });

  it('ignores query strings', async () => {
    status.state.ready = { ready: true };
    const res = await fetch(`${base}/readyz?verbose=1&x=%2Fmetrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ready\n');
    expect((await fetch(`${base}/metrics?name[]=tqw_tenant_up`)).status).toBe(200);
  });

  it('answers 404 for unknown paths, whatever the method', async () => {
    for (const path of ['/', '/nope', '/livez/', '/LIVEZ', '/metrics/extra', '//livez']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect((await fetch(`${base}/nope`, { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('answers 405 with an Allow header for other methods on known paths', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${base}/metrics`, { method, body: method === 'POST' || method === 'PUT' ? '{}' : undefined });
      expect([method, res.status]).toEqual([method, 405]);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    status.state.ready = { ready: true };
    expect((await fetch(`${base}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('turns a throwing route into a 500 JSON without internals, and logs the cause redacted', async () => {
    status.state.throwOnHealth = new Error(`health exploded (password=${SECRET})`);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error', path: '/healthz' });
    expect(text).not.toMatch(/exploded|password|at /);

    sourceThrows = true;
    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(500);
    expect(await scrape.text()).not.toContain('exploded');

    const errors = log.lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: string; path?: string });
    const failures = errors.filter((line) => line.msg === 'http route failed');
    expect(failures.map((f) => f.path)).toEqual(['/healthz', '/metrics']);
    expect(failures[0]!.err).toContain('health exploded (password=***)');
    expect(failures[0]!.level).toBe(50);

    // The server keeps serving after a failed route.
    status.state.throwOnHealth = undefined;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('close() ends keep-alive connections too and stops listening', async () => {
    const agent = new Agent({ keepAlive: true });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = httpRequest(`${base}/readyz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket as Socket));
      });
      req.on('error', reject);
      req.end();
    });
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(socket.destroyed).toBe(false); // kept alive by the agent

    await server.close();
    await socketClosed;
    await server.close(); // idempotent
    agent.destroy();
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  });
});

describe('HTTP server /livez under event-loop stalls', () => {
  it('answers 503 when the p99 event-loop delay exceeds the threshold', async () => {
    const log = memoryLogger();
    const options: HttpServerOptions = {
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics({ source: { tenants: () => [] }, defaultMetrics: false }),
      status: fakeStatus().provider,
      logger: log.logger,
      maxEventLoopDelayMs: 30,
      eventLoop: { resolutionMs: 5, windowMs: 60_000 },
    };
    const server = await startHttpServer(options);
    try {
      // Block the loop for 100 ms, ten times: nearly every delay sample is now ~100 ms.
      for (let i = 0; i < 10; i += 1) {
        const until = Date.now() + 100;
        while (Date.now() < until) {
          /* busy: stalls the event loop on purpose */
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const res = await fetch(`http://127.0.0.1:${server.port}/livez`);
      expect(res.status).toBe(503);
      const body = await res.text();
      expect(body).toMatch(/^event loop overloaded: p99 delay \d+\.\d ms exceeds 30 ms\n/);
      const p99 = Number(/event_loop_delay_p99_ms (\S+)/.exec(body)![1]);
      expect(p99).toBeGreaterThan(30);
    } finally {
      await server.close();
    }
  });
});

describe('HTTP server start-up', () => {
  it('fails with a ConfigError naming the address when the port is taken', async () => {
    const options = {
      host: '127.0.0.1',
      metrics: createMetrics({ source: { tenants: () => [] }, defaultMetrics: false }),
      status: fakeStatus().provider,
      logger: memoryLogger().logger,
    };
    const first = await startHttpServer({ ...options, port: 0 });
    try {
      const second = startHttpServer({ ...options, port: first.port });
      await expect(second).rejects.toBeInstanceOf(ConfigError);
      await expect(second).rejects.toThrow(`http server cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`);
    } finally {
      await first.close();
    }
  });
});
