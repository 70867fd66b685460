/**
 * Secrets across tenant-map reloads: after three successive maps, the passwords of all three stay
 * redacted, including the middle map's, whose tenant may still be draining on its old connection
 * (before, each reload kept only the start-up map and the new one).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startDaemon } from '../../src/daemon/daemon';
import { loadConfig } from '../../src/config/load-config';
import { createRedactor } from '../../src/log/redact';
import { REPO_ROOT, freePort, tempDir, writeJson } from '../support/processes';
import { LogCapture } from '../support/worker-fixtures';

test('the passwords of every tenant map loaded so far stay redacted (three successive maps)', async () => {
  const dir = tempDir('reload-secrets');
  const tenantsFile = join(dir, 'tenants.json');
  const passwords = ['first-map-password-1', 'middle-map-password-2', 'third-map-password-3'];
  // A closed port: the tenant is simply down; redaction does not need it to connect.
  const map = (pw: string) => [{ id: 'acme', connectionString: `postgres://worker:${pw}@127.0.0.1:9/acme` }];
  writeJson(tenantsFile, map(passwords[0]!));
  const configFile = writeJson(join(dir, 'config.json'), {
    tenants: { file: tenantsFile, watch: false },
    handlers: { dir: join(REPO_ROOT, 'examples', 'handlers') },
    http: { host: '127.0.0.1', port: await freePort() },
  });
  const redactor = createRedactor([]);
  const logs = new LogCapture();
  const daemon = await startDaemon({ config: loadConfig({ configFile, env: {} }), logger: logs.logger, redactor, env: {} });
  try {
    for (const pw of passwords.slice(1)) {
      writeFileSync(tenantsFile, JSON.stringify(map(pw)));
      expect(daemon.reloadTenants()).toBe(true);
    }
    for (const pw of passwords) expect(redactor.redact(`an error that names ${pw} in plain text`)).not.toContain(pw);
  } finally {
    await daemon.stop();
  }
});
