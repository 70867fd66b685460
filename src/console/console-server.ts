/**
 * The operator console's HTTP server (config console.*): the page at `/`, its script and styles, the
 * sign-in form, and the JSON API under /api. Node's own `http` module, like the operability server:
 * a dozen routes with path parameters and small JSON bodies do not need a framework, and the
 * security-relevant parts (authentication, CSRF, read-only) stay in this one readable file.
 *
 * - /api/*: `Authorization: Bearer <console.token>` (constant-time comparison), or the session
 *   cookie of a signed-in page; 401 otherwise.
 * - Every state change is a POST. With the session cookie it must carry the session's CSRF token in
 *   X-CSRF-Token (Bearer requests are not sent by browsers on their own, so they need none).
 * - console.readOnly: every action answers 403 (and is logged as refused).
 * - Responses never carry a secret: texts from the databases pass the redactor, the token is never echoed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError, ConsoleUnavailableError, describeError } from '../errors';
import { bearerToken, cookieValue, CSRF_HEADER, secretMatches, SESSION_COOKIE, SessionStore, type Session } from './auth';
import { ConsoleActions, ConsoleRequestError, type BulkFilter } from './console-actions';
import { listenOrExplain } from '../http/listen';
import type { ConsoleSource } from './console-source';
import { FleetMonitor, type TenantSummary } from './fleet-monitor';
import { APP_CSS } from './page/app-css';
import { APP_JS } from './page/app-js';
import { appPage, signInPage } from './page/page-html';

export interface ConsoleOptions {
  host: string;
  /** 0 picks a free port (reported by the handle). */
  port: number;
  /** The secret of console.token; must be non-empty. */
  token: string;
  readOnly: boolean;
  /** Fleet refresh interval. Default 5000 ms. */
  refreshMs?: number;
  /** worker.leaseMs (expired leases count as due work in the fleet view). */
  leaseMs: number;
  logger: Logger;
  redact: (text: string) => string;
}

export interface ConsoleHandle {
  port: number;
  fleet: FleetMonitor;
  close(): Promise<void>;
}

export const DEFAULT_REFRESH_MS = 5_000;
/** Largest request body read (sign-in form, action filters). */
const MAX_BODY_BYTES = 64 * 1024;
/** Tenants per fleet page at most. */
const MAX_FLEET_PAGE = 1_000;

const SECURITY_HEADERS: Record<string, string> = {
  // Everything the page needs comes from this server: no CDN, no inline script.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

interface Reply {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({
  status,
  type: JSON_TYPE,
  body: `${JSON.stringify(value)}\n`,
  headers,
});
const problem = (status: number, error: string, code: string, details: Record<string, unknown> = {}): Reply =>
  json(status, { error, code, ...details });

export async function startConsoleServer(source: ConsoleSource, options: ConsoleOptions): Promise<ConsoleHandle> {
  if (options.token.trim() === '') throw new ConfigError('console.token is required when the console runs (set TQW_CONSOLE_TOKEN)');
  const sessions = new SessionStore();
  const fleet = new FleetMonitor(source, {
    refreshMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
    leaseMs: options.leaseMs,
    concurrency: 4,
    redact: options.redact,
  });
  const actions = new ConsoleActions(source, fleet, options.logger, options.redact);
  const streams = new Set<ServerResponse>();

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      options.logger.error({ err: options.redact(describeError(err)) }, 'console request failed');
      if (!res.headersSent) send(res, problem(500, 'internal error', 'TQW_CONSOLE_INTERNAL'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const session = sessions.get(cookieValue(req.headers.cookie, SESSION_COOKIE));
    const client = req.socket.remoteAddress ?? 'unknown';

    if (path === '/app.js' && method === 'GET') return send(res, { status: 200, type: 'text/javascript; charset=utf-8', body: APP_JS });
    if (path === '/app.css' && method === 'GET') return send(res, { status: 200, type: 'text/css; charset=utf-8', body: APP_CSS });
    if (path === '/' && method === 'GET') {
      return send(res, { status: 200, type: 'text/html; charset=utf-8', body: session ? appPage() : signInPage(undefined) });
    }
    if (path === '/login' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (!secretMatches(form.get('token') ?? '', options.token)) {
        options.logger.warn({ client }, 'console sign-in refused (wrong token)');
        return send(res, { status: 401, type: 'text/html; charset=utf-8', body: signInPage('That token is not the console token.') });
      }
      const created = sessions.create();
      options.logger.info({ client }, 'console sign-in');
      return send(res, {
        status: 303,
        type: 'text/plain; charset=utf-8',
        body: 'signed in\n',
        headers: { Location: '/', 'Set-Cookie': sessions.cookie(created) },
      });
    }
    if (path === '/logout' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (session && secretMatches(form.get('csrf') ?? '', session.csrf)) sessions.end(session.id);
      return send(res, {
        status: 303,
        type: 'text/plain; charset=utf-8',
        body: 'signed out\n',
        headers: { Location: '/', 'Set-Cookie': SessionStore.clearedCookie() },
      });
    }
    if (!path.startsWith('/api/')) return send(res, problem(404, 'not found', 'TQW_CONSOLE_NOT_FOUND'));

    // --- the JSON API ---
    const bearer = bearerToken(req.headers.authorization);
    const byBearer = bearer !== undefined && secretMatches(bearer, options.token);
    if (!byBearer && !session) {
      return send(res, {
        ...problem(401, 'authentication required: Authorization: Bearer <console token>', 'TQW_CONSOLE_UNAUTHORIZED'),
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    if (method === 'POST' && !byBearer && (!session || !csrfMatches(req, session))) {
      return send(res, problem(403, `missing or wrong ${CSRF_HEADER} header`, 'TQW_CONSOLE_CSRF'));
    }
    if (path === '/api/events' && method === 'GET') return openStream(res);
    try {
      send(res, await api(method, path, url.searchParams, req, client, session));
    } catch (err) {
      if (err instanceof ConsoleRequestError) return send(res, problem(err.status, err.message, 'TQW_CONSOLE_REQUEST', err.details));
      if (err instanceof ConsoleUnavailableError) return send(res, problem(501, err.message, err.code));
      throw err;
    }
  }

  async function api(
    method: string,
    path: string,
    params: URLSearchParams,
    req: IncomingMessage,
    client: string,
    session: Session | undefined,
  ): Promise<Reply> {
    const parts = path.split('/').slice(2).map(decodeURIComponent); // after "/api"
    if (method === 'GET') {
      if (path === '/api/session') return json(200, { csrf: session?.csrf ?? null, readOnly: options.readOnly });
      if (path === '/api/tenants') return json(200, fleetPage(params));
      if (parts[0] === 'tenants' && parts.length === 3 && parts[2] === 'messages')
        return json(200, await actions.listMessages(parts[1] ?? '', params));
      if (parts[0] === 'tenants' && parts.length === 4 && parts[2] === 'messages')
        return json(200, await actions.message(parts[1] ?? '', parts[3] ?? ''));
      if (path === '/api/dead-letters') return json(200, await actions.deadLetters(params));
      return problem(404, 'no such API route', 'TQW_CONSOLE_NOT_FOUND');
    }
    if (method !== 'POST')
      return { ...problem(405, 'use GET to read and POST to act', 'TQW_CONSOLE_METHOD'), headers: { Allow: 'GET, POST' } };
    const action = actionName(parts);
    if (action === undefined) return problem(404, 'no such API route', 'TQW_CONSOLE_NOT_FOUND');
    if (options.readOnly) {
      actions.refused(action, client, 'console.readOnly');
      return problem(403, 'the console is read-only (console.readOnly)', 'TQW_CONSOLE_READ_ONLY');
    }
    const body = await readJson(req);
    if (parts[0] === 'tenants' && parts[2] === 'messages') {
      return json(200, await actions.messageAction(parts[4] as 'requeue' | 'delete', parts[1] ?? '', parts[3] ?? '', client));
    }
    if (parts[0] === 'dead-letters')
      return json(200, await actions.bulkDeadLetters(parts[1] as 'requeue' | 'delete', bulkFilter(body), client));
    const type = body.type;
    if (type !== undefined && (typeof type !== 'string' || type === ''))
      throw new ConsoleRequestError(400, 'type must be a non-empty string');
    return json(200, await actions.pauseAction(parts[2] as 'pause' | 'resume', parts[1] ?? '', type, client));
  }

  /** The fleet, filtered (q: id contains; state), sorted and paginated in memory (the snapshot is one array). */
  function fleetPage(params: URLSearchParams) {
    const snap = fleet.snapshot();
    const q = (params.get('q') ?? '').trim().toLowerCase();
    const state = params.get('state') ?? '';
    let rows = snap.tenants.filter((t) => (q === '' || t.id.toLowerCase().includes(q)) && (state === '' || t.state === state));
    const sort = params.get('sort') ?? 'id';
    const key = SORT_KEYS[sort];
    if (!key) throw new ConsoleRequestError(400, `sort must be one of ${Object.keys(SORT_KEYS).join(', ')}`);
    const desc = params.get('order') === 'desc';
    rows = [...rows].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb));
      return (desc ? -c : c) || a.id.localeCompare(b.id);
    });
    const limit = boundedInt(params.get('limit'), 100, 1, MAX_FLEET_PAGE, 'limit');
    const offset = boundedInt(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER, 'offset');
    const totals = { tenants: snap.tenants.length, down: 0, Pending: 0, Processing: 0, Failed: 0, DeadLetter: 0 };
    for (const t of snap.tenants) {
      if (t.state === 'down') totals.down += 1;
      for (const s of ['Pending', 'Processing', 'Failed', 'DeadLetter'] as const) totals[s] += t.counts?.[s] ?? 0;
    }
    return { at: snap.at, total: rows.length, offset, limit, totals, tenants: rows.slice(offset, offset + limit) };
  }

  function openStream(res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    const push = () => {
      const { at, tenants } = fleet.snapshot();
      const down = tenants.filter((t) => t.state === 'down').length;
      res.write(`event: fleet\ndata: ${JSON.stringify({ at, tenants: tenants.length, down })}\n\n`);
    };
    push();
    const unsubscribe = fleet.subscribe(push);
    streams.add(res);
    res.on('close', () => {
      unsubscribe();
      streams.delete(res);
    });
  }

  fleet.start();
  let port: number;
  try {
    port = await listenOrExplain(server, { host: options.host, port: options.port, what: 'console', configPrefix: 'console' });
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    port,
    fleet,
    close: () =>
      (closing ??= (async () => {
        for (const s of streams) s.end();
        await fleet.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })()),
  };
}

const SORT_KEYS: Record<string, (t: TenantSummary) => number | string> = {
  id: (t) => t.id,
  state: (t) => t.state,
  pending: (t) => t.counts?.Pending ?? -1,
  processing: (t) => t.counts?.Processing ?? -1,
  failed: (t) => t.counts?.Failed ?? -1,
  deadLetter: (t) => t.counts?.DeadLetter ?? -1,
  oldestDue: (t) => t.oldestDueAgeSeconds ?? -1,
};

/** The audit name of a POST route, or undefined when it is none. */
function actionName(parts: string[]): string | undefined {
  if (parts[0] === 'tenants' && parts.length === 5 && parts[2] === 'messages' && (parts[4] === 'requeue' || parts[4] === 'delete'))
    return `message.${parts[4]}`;
  if (parts[0] === 'tenants' && parts.length === 3 && (parts[2] === 'pause' || parts[2] === 'resume')) return `tenant.${parts[2]}`;
  if (parts[0] === 'dead-letters' && parts.length === 2 && (parts[1] === 'requeue' || parts[1] === 'delete'))
    return `dead-letters.${parts[1]}`;
  return undefined;
}

function csrfMatches(req: IncomingMessage, session: Session): boolean {
  const given = req.headers[CSRF_HEADER];
  return typeof given === 'string' && secretMatches(given, session.csrf);
}

function bulkFilter(body: Record<string, unknown>): BulkFilter {
  const { tenants, type, error } = body;
  if (tenants !== undefined && (!Array.isArray(tenants) || !tenants.every((t) => typeof t === 'string'))) {
    throw new ConsoleRequestError(400, 'tenants must be an array of tenant ids');
  }
  for (const [name, v] of [
    ['type', type],
    ['error', error],
  ] as const) {
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new ConsoleRequestError(400, `${name} must be a non-empty string`);
  }
  return { tenants: tenants as string[] | undefined, messageType: type as string | undefined, errorContains: error as string | undefined };
}

function boundedInt(raw: string | null, fallback: number, min: number, max: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConsoleRequestError(400, `${name} must be an integer between ${min} and ${max}`);
  return n;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ConsoleRequestError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ConsoleRequestError(400, 'the body must be a JSON object');
}

function send(res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...SECURITY_HEADERS, ...reply.headers, 'Content-Type': reply.type, 'Content-Length': String(body.length) });
  res.end(body);
}
