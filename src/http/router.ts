/**
 * Turns requests into route calls: exact path match (query string ignored), GET and HEAD only.
 *
 * - unknown path: 404 (whatever the method);
 * - known path, other method: 405 with `Allow: GET, HEAD`;
 * - HEAD: the GET response's status and headers without a body (Node drops the body of HEAD responses);
 * - a route that throws: 500 with a fixed JSON body; the cause goes to the log (redacted), never the client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { describeError } from '../errors';
import { json, text, type HttpResponse } from './response';

export type RouteHandler = () => HttpResponse | Promise<HttpResponse>;

const ALLOWED_METHODS = 'GET, HEAD';

export interface RouterOptions {
  routes: ReadonlyMap<string, RouteHandler>;
  logger: Logger;
  redact: (s: string) => string;
}

export function createRequestListener(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(options, req).then(
      (response) => write(res, response),
      (err: unknown) => {
        // Only reached if writing itself failed (e.g. the client went away); nothing left to send.
        options.logger.warn({ err: options.redact(describeError(err)) }, 'http response could not be written');
        res.destroy();
      },
    );
  };
}

async function handle(options: RouterOptions, req: IncomingMessage): Promise<HttpResponse> {
  const path = pathOf(req.url ?? '/');
  const route = options.routes.get(path);
  if (!route) return text(404, 'not found');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return text(405, `method not allowed; use ${ALLOWED_METHODS}`, { Allow: ALLOWED_METHODS });
  }
  try {
    return await route();
  } catch (err) {
    options.logger.error({ path, err: options.redact(describeError(err)) }, 'http route failed');
    return json(500, { error: 'internal error', path });
  }
}

/** The path without query string or fragment (a raw split: `new URL` would read `//x` as a host). */
function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function write(res: ServerResponse, response: HttpResponse): void {
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, {
    ...response.headers,
    'Content-Type': response.contentType,
    'Content-Length': String(body.length),
    // Probes and scrapes must see the current state, never a cached one.
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
