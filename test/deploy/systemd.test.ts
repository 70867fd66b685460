/**
 * deploy/systemd/tqw.service: systemd-analyze accepts it (where installed), it starts node on the package's
 * bin (never npx, which does not pass SIGTERM on) with the image's Node flags, its stop timeout outlasts the
 * drain, exits 64/78 do not restart-loop, reload is SIGHUP; and its ExecStart, run as systemd would run it
 * (this repository as the install path), drains on SIGTERM and exits 0. Also: no doc or script in the
 * repository starts a long-lived worker through npx.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { EXIT_CONFIG, EXIT_USAGE } from '../../src/errors';
import { freePort, httpGet, tempDir, writeJson } from '../support/processes';
import { waitFor } from '../support/worker-fixtures';
import { REPO_ROOT, readRepoFile } from './support/repo';

const { TQW_NODE_FLAGS } = require('../../bench/lib/runtimes') as { TQW_NODE_FLAGS: string[] };

const UNIT = 'deploy/systemd/tqw.service';
const text = readRepoFile(UNIT);
/** Directives of a section (later ones of the same name after earlier ones). */
function section(name: string): Array<[string, string]> {
  const body = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? '';
  return body
    .split('\n')
    .slice(1)
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
}
const service = section('Service');
const value = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
const execStart = value('ExecStart')[0]!.split(/\s+/);
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

describe(UNIT, () => {
  (analyze ? test : test.skip)(
    `systemd-analyze verify reports nothing${analyze ? '' : ' (skipped: systemd-analyze is not installed)'}`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tqw-unit-'));
      copyFileSync(join(REPO_ROOT, UNIT), join(dir, 'tqw.service'));
      const ok = spawnSync('systemd-analyze', ['verify', join(dir, 'tqw.service')], { encoding: 'utf8' });
      expect(`${ok.stdout}${ok.stderr}`).toBe('');
      // Control: it does report a broken unit.
      writeFileSync(join(dir, 'tqw.service'), text.replace('Type=simple', 'Type=simpel\nFrobnicate=1'));
      const bad = spawnSync('systemd-analyze', ['verify', join(dir, 'tqw.service')], { encoding: 'utf8' });
      expect(`${bad.stdout}${bad.stderr}`).toMatch(/Frobnicate/);
    },
  );

  test("ExecStart is node with the image's flags on the package's bin/tqw.js run: no npx", () => {
    expect(execStart[0]).toBe('/usr/bin/node');
    expect(execStart.slice(1, 1 + TQW_NODE_FLAGS.length)).toEqual(TQW_NODE_FLAGS);
    expect(execStart.slice(-2)).toEqual(['/opt/tqw/node_modules/tenant-queue-worker/bin/tqw.js', 'run']);
    expect(service.map(([, v]) => v).join('\n')).not.toMatch(/\bnpx\b/);
  });

  test('the stop timeout outlasts the drain; SIGTERM stops, SIGHUP reloads; config and usage errors do not restart', () => {
    expect(value('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(value('TimeoutStopSec')[0]) * 1000).toBeGreaterThan(CONFIG_SCHEMA.worker.shutdownTimeoutMs.default + 5_000);
    expect(value('ExecReload')[0]).toBe('/bin/kill -HUP $MAINPID');
    expect(value('Restart')).toEqual(['on-failure']);
    expect(value('RestartPreventExitStatus')[0]!.split(/\s+/).map(Number).sort()).toEqual([EXIT_USAGE, EXIT_CONFIG].sort());
    expect(value('Environment')).toContain('TQW_CONFIG=/etc/tqw/config.json');
  });

  test('its ExecStart, run as systemd runs it, drains on SIGTERM and exits 0', async () => {
    const dir = tempDir('systemd');
    const port = await freePort();
    writeJson(join(dir, 'tenants.json'), []);
    const config = writeJson(join(dir, 'config.json'), {
      tenants: { file: './tenants.json' },
      handlers: { dir: '.' },
      http: { host: '127.0.0.1', port },
    });
    const [, ...args] = execStart.map((a) => a.replace('/opt/tqw/node_modules/tenant-queue-worker', REPO_ROOT));
    const env = {
      ...Object.fromEntries(value('Environment').map((e) => e.split('=') as [string, string])),
      TQW_CONFIG: config,
      PATH: process.env.PATH ?? '',
    };
    const child = spawn(process.execPath, args, { cwd: dir, env });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(async () => (await httpGet(port, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
      what: 'the unit command ready',
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).toContain('"msg":"stopped cleanly"');
  });
});

test('no doc or script starts a long-lived worker through npx (it does not pass SIGTERM on)', () => {
  const files = spawnSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => /\.(md|js|mjs|cjs|ts|sh|ya?ml|json|service)$/.test(f) || f === 'Dockerfile');
  const offenders = files.flatMap((file) =>
    readFileSync(join(REPO_ROOT, file), 'utf8')
      .split('\n')
      .map((line, i) => ({ where: `${file}:${i + 1}`, line }))
      // An invocation, not a sentence about it: `npx tqw run` followed by an option, a path or the line end.
      .filter(({ line }) => /npx\s+tqw\s+run(\s+-|\s*$|\s*&)/.test(line) || /"npx",\s*"tqw",\s*"run"/.test(line)),
  );
  expect(offenders).toEqual([]);
});
