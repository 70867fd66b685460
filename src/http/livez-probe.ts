/**
 * The client side of GET /livez, for `tqw healthcheck` (the image's HEALTHCHECK, and any supervisor
 * that runs a command to probe): asks the daemon on the address and port of the SAME configuration the
 * daemon loaded (config file, TQW_* env), so a port set in config.json is the port that is probed.
 */
import { request } from 'node:http';

export interface LivezAnswer {
  url: string;
  /** HTTP status, or undefined when there was no answer (refused, timed out). */
  status: number | undefined;
  /** The body's first line, or the connection error. */
  detail: string;
}

/** The address to connect to for a server bound to `host`: a wildcard bind is reached on loopback. */
export function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

export function probeLivez(host: string, port: number, timeoutMs: number): Promise<LivezAnswer> {
  const address = probeHost(host);
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}/livez`;
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ url, status: res.statusCode, detail: body.split('\n')[0] ?? '' }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ url, status: undefined, detail: err.message }));
    req.end();
  });
}
