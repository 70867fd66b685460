/** The console's bind failure is a ConfigError naming the address and the keys to change (shared with the http server). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startConsoleServer } from '../../src/console/console-server';
import { storeErrorHistory } from '../../src/console/store-error-history';
import { ConfigError } from '../../src/errors';

test('a console port already in use: ConfigError naming console.port and console.host, and the fleet monitor stopped', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    const starting = startConsoleServer(
      { tenants: () => [], errorHistory: storeErrorHistory },
      {
        host: '127.0.0.1',
        port,
        token: 'a-token-of-the-test',
        readOnly: false,
        leaseMs: 60_000,
        refreshMs: 60_000,
        logger: pino({ level: 'silent' }),
        redact: (s: string) => s,
      },
    );
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(
      `console cannot listen on 127.0.0.1:${port} (EADDRINUSE); choose a free port and an address of this host (config console.port and console.host)`,
    );
  } finally {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  }
});
