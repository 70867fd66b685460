/** The small response model the routes return; router.ts writes it to the socket. */

export interface HttpResponse {
  status: number;
  contentType: string;
  body: string;
  /** Extra headers (Content-Type, Content-Length and Cache-Control are set by the router). */
  headers?: Readonly<Record<string, string>>;
}

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

export function text(status: number, body: string, headers?: Record<string, string>): HttpResponse {
  return { status, contentType: TEXT, body: body.endsWith('\n') ? body : `${body}\n`, headers };
}

export function json(status: number, value: unknown): HttpResponse {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value)}\n` };
}
