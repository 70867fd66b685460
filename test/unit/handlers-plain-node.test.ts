import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../support/hermetic-env';

/**
 * loadHandlers() in a plain Node process, as the daemon runs it: a native import() of each file
 * (inside Jest a vm sandbox changes that, see handlers-load.test.ts). The loader's TypeScript is
 * compiled to CommonJS first, as tsc emits it, so a regression where the compiler turns the
 * import() into require() (which cannot load .mjs) fails here.
 */
const run = promisify(execFile);
const fixtures = resolve(__dirname, '../fixtures/handlers');
const runner = join(fixtures, 'load-in-plain-node.cjs');

interface RunnerOutput {
  types?: string[];
  handlers?: { source: string; types: string[] }[];
  error?: { name: string; code: string; message: string };
}

async function loadInPlainNode(dir: string): Promise<RunnerOutput> {
  const { stdout } = await run(process.execPath, [runner, dir], { timeout: 30_000, env: childEnv() });
  return JSON.parse(stdout) as RunnerOutput;
}

describe('loadHandlers in a plain Node process (native import())', () => {
  it('loads an ES module (.mjs default export) next to a CommonJS module', async () => {
    const out = await loadInPlainNode(join(fixtures, 'valid-esm'));
    expect(out.error).toBeUndefined();
    expect(out.handlers).toEqual([
      { source: join(fixtures, 'valid-esm', 'esm.mjs'), types: ['EsmHandler'] },
      { source: join(fixtures, 'valid-esm', 'plain.cjs'), types: ['CjsNextToEsm'] },
    ]);
  });

  it('unwraps every CommonJS shape the same way through import() as through require()', async () => {
    const out = await loadInPlainNode(join(fixtures, 'valid-cjs'));
    expect(out.error).toBeUndefined();
    expect(out.types).toEqual(['CompiledTs', 'OrderCancelled', 'OrderCreated', 'PlainJs', 'WrappedDefault']);
  });

  it('rejects an ES module with only named exports: TQW_HANDLER_INVALID naming the file', async () => {
    const out = await loadInPlainNode(join(fixtures, 'no-default-esm'));
    expect(out.error?.code).toBe('TQW_HANDLER_INVALID');
    expect(out.error?.message).toContain(join(fixtures, 'no-default-esm', 'named.mjs'));
    expect(out.error?.message).toContain('no default export');
  });

  it('reports a module that throws on import with its message', async () => {
    const out = await loadInPlainNode(join(fixtures, 'throws'));
    expect(out.error?.code).toBe('TQW_HANDLER_INVALID');
    expect(out.error?.message).toContain(join(fixtures, 'throws', 'handler.js'));
    expect(out.error?.message).toContain('PRICING_API_URL is not set (fixture)');
  });

  it('loads the shipped example handlers', async () => {
    const out = await loadInPlainNode(resolve(__dirname, '../../examples/handlers'));
    expect(out.error).toBeUndefined();
    expect(out.types).toEqual(['ProductUpdate', 'SendEmail']);
  });
});
