/**
 * `tqw healthcheck` (the image's HEALTHCHECK) against a real `tqw run`: it probes the port of the same
 * configuration the daemon loaded: from the config file, and from TQW_HTTP_PORT over it; and fails
 * with one line where nothing answers. (test/image runs it inside the container too.)
 */
import { join } from 'node:path';
import { DaemonProcess, freePort, httpGet, runCli, tempDir, writeJson } from '../support/processes';
import { waitFor } from '../support/worker-fixtures';

const daemons: DaemonProcess[] = [];
afterAll(() => {
  for (const d of daemons) if (d.child.exitCode === null) d.kill('SIGKILL');
});

test('healthy on the port of the config file and of TQW_HTTP_PORT; unhealthy (exit 1, one line) where nothing listens', async () => {
  const dir = tempDir('healthcheck');
  const [filePort, envPort] = [await freePort(), await freePort()];
  writeJson(join(dir, 'tenants.json'), []);
  const config = writeJson(join(dir, 'config.json'), {
    tenants: { file: './tenants.json', watch: false },
    handlers: { dir: '.' },
    http: { host: '127.0.0.1', port: filePort },
  });

  for (const [env, port] of [
    [{}, filePort],
    [{ TQW_HTTP_PORT: String(envPort) }, envPort],
  ] as const) {
    const daemon = new DaemonProcess(['--config', config], env);
    daemons.push(daemon);
    await waitFor(async () => (await httpGet(port, '/livez').catch(() => ({ status: 0 }))).status === 200, { what: `tqw run on ${port}` });
    const r = await runCli(['healthcheck', '--config', config], env);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: `healthy: http://127.0.0.1:${port}/livez answered 200\n` });
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  }

  const down = await runCli(['healthcheck', '--config', config]);
  expect(down.code).toBe(1);
  expect(down.stderr).toBe(
    `tqw: unhealthy: http://127.0.0.1:${filePort}/livez did not answer (connect ECONNREFUSED 127.0.0.1:${filePort})\n`,
  );
});
