import { Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger';
import { createRedactor } from '../../src/log/redact';
import { loadTenants } from '../../src/tenants/load-tenants';
import { tenantSecrets } from '../../src/tenants/tenant-secrets';

/** A destination that keeps every line pino writes. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l !== ''),
      );
      callback();
    },
  });
  return { stream, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const PASSWORDS = ['Pg-Secret-1', 'Ms;Secret"2', 'Url@Secret3'];

function tenantFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tqw-log-'));
  const file = join(dir, 'tenants.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: 'pg', connectionString: 'postgres://worker:${PG_PW}@db:5432/app', schema: 'pg' },
      { id: 'ms', connectionString: 'Server=sql;Database=app;User Id=sa;Password="Ms;Secret""2"' },
      { id: 'url', connectionString: 'postgres://worker:Url%40Secret3@db:5432/other' },
    ]),
  );
  return file;
}

describe('createLogger', () => {
  const tenants = loadTenants(tenantFile(), { PG_PW: PASSWORDS[0] });

  it('writes JSON lines with service tqw, a level label and an ISO time', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.stream });
    logger.info({ tenant: 'acme' }, 'hello');
    logger.debug('not written at info');
    const [line] = out.parsed();
    expect(out.lines).toHaveLength(1);
    expect(line).toMatchObject({ service: 'tqw', level: 'info', tenant: 'acme', msg: 'hello' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('no line contains a tenant password, however it is logged', () => {
    const out = capture();
    const redactor = createRedactor(tenantSecrets(tenants));
    const logger = createLogger({ level: 'trace', destination: out.stream, redactor });
    const child = logger.child({ tenant: 'pg' });
    for (const tenant of tenants) {
      // The tenant object itself (connectionString censored by path).
      logger.info({ tenant }, 'tenant loaded');
      logger.info({ tenants: [tenant] }, 'tenant map');
      // The connection string inside a message, an error and an arbitrary field.
      logger.warn(`could not connect with ${tenant.connectionString}`);
      child.error({ err: new Error(`login failed: ${tenant.connectionString}`) }, 'poll failed');
      // eslint-disable-next-line no-restricted-syntax -- an `error` field must be redacted too
      child.error({ error: `driver said ${tenant.connectionString}`, detail: { nested: tenant.connectionString } }, 'details');
    }
    // A password alone, and in a percent-encoded or JSON-escaped spelling.
    logger.info({ value: PASSWORDS.join(' ') }, `raw ${PASSWORDS.join(' ')} ${encodeURIComponent(PASSWORDS[2])}`);

    expect(out.lines.length).toBe(tenants.length * 5 + 1);
    for (const line of out.lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (const password of PASSWORDS) {
        expect(line).not.toContain(password);
        expect(line).not.toContain(JSON.stringify(password).slice(1, -1));
        expect(line).not.toContain(encodeURIComponent(password));
      }
      expect(line).not.toContain('Secret');
    }
    // What stays readable: ids, hosts, the redacted form.
    const all = out.lines.join('\n');
    expect(all).toContain('postgres://worker:***@db:5432/app');
    expect(all).toContain('"tenant":"pg"');
  });

  it('new secrets given to the redactor after a reload apply to existing loggers', () => {
    const out = capture();
    const redactor = createRedactor([]);
    const logger = createLogger({ destination: out.stream, redactor }).child({ component: 'x' });
    redactor.setSecrets(['postgres://w:rotated-password-9@h/db']);
    logger.info('handler wrote rotated-password-9 somewhere');
    expect(out.lines[0]).not.toContain('rotated-password-9');
    expect(out.lines[0]).toContain('handler wrote *** somewhere');
  });

  it('generic patterns apply even with no known secrets', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    logger.error({ err: new Error('connect to mssql://sa:never-told-pw@sql/app failed') }, 'boom');
    expect(out.lines[0]).not.toContain('never-told-pw');
    const line = JSON.parse(out.lines[0]) as { err: { message: string; stack: string } };
    expect(line.err.message).toBe('connect to mssql://sa:***@sql/app failed');
    expect(line.err.stack).toContain('mssql://sa:***@sql/app');
  });
});
