import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors';

/** Where a server is told to listen, and the config keys that set it (named in the error). */
export interface ListenTarget {
  host: string;
  port: number;
  /** What listens, for the error message: e.g. 'http server', 'console'. */
  what: string;
  /** The config prefix of the keys host and port, e.g. 'http' or 'console'. */
  configPrefix: string;
}

/**
 * Binds `server` and resolves with the bound port (the chosen one when port is 0). A bind failure
 * (EADDRINUSE, EADDRNOTAVAIL, EACCES) becomes a ConfigError naming the address and the keys to change.
 */
export async function listenOrExplain(server: Server, target: ListenTarget): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(target.port, target.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(
      `${target.what} cannot listen on ${target.host}:${target.port} (${code}); ` +
        `choose a free port and an address of this host (config ${target.configPrefix}.port and ${target.configPrefix}.host)`,
      'TQW_CONFIG_INVALID',
      { cause: err },
    );
  }
  return (server.address() as AddressInfo).port;
}
