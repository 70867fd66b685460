import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../src/errors';
import { loadHandlers } from '../../src/handlers/load-handlers';

/**
 * loadHandlers() inside Jest. Jest runs test code in a vm sandbox where a native import() is only
 * available with --experimental-vm-modules; without it the loader falls back to require(), so these
 * cases use CommonJS fixtures. The ES module cases, and the same CommonJS shapes through a native
 * import(), are proven in a plain Node process by handlers-plain-node.test.ts.
 */
const fixtures = resolve(__dirname, '../fixtures/handlers');
const fixture = (name: string) => join(fixtures, name);

/** Runs `load` and returns the ConfigError it must throw. */
async function configError(load: Promise<unknown>): Promise<ConfigError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadHandlers: valid modules', () => {
  it('loads plain CommonJS, TypeScript-compiled exports.default and { default } shapes, sorted by file name', async () => {
    const registry = await loadHandlers(fixture('valid-cjs'));

    expect(registry.handlers().map((h) => h.source)).toEqual([
      join(fixture('valid-cjs'), 'a-compiled.cjs'),
      join(fixture('valid-cjs'), 'b-plain.js'),
      join(fixture('valid-cjs'), 'c-wrapped.cjs'),
      join(fixture('valid-cjs'), 'd-multi.js'),
    ]);
    expect(registry.types()).toEqual(['CompiledTs', 'OrderCancelled', 'OrderCreated', 'PlainJs', 'WrappedDefault']);
    expect(registry.size).toBe(5);

    // The unwrapped handler object itself, options intact.
    expect(registry.get('CompiledTs')?.handler.maxAttempts).toBe(2);
    expect(registry.get('PlainJs')?.handler).toMatchObject({ type: 'PlainJs', timeoutMs: 5000, transactional: false });
    expect(typeof registry.get('WrappedDefault')?.handler.handle).toBe('function');
  });

  it('registers every type of a `types: [...]` module to that one module', async () => {
    const registry = await loadHandlers(fixture('valid-cjs'));
    const created = registry.get('OrderCreated');
    expect(created?.types).toEqual(['OrderCreated', 'OrderCancelled']);
    expect(registry.get('OrderCancelled')).toBe(created);
    expect(created?.source).toBe(join(fixture('valid-cjs'), 'd-multi.js'));
  });

  it('ignores dot files, subdirectories and other extensions (those fixtures throw if loaded)', async () => {
    const registry = await loadHandlers(fixture('valid-cjs'));
    const sources = registry.handlers().map((h) => h.source);
    expect(sources.some((s) => s.includes('.hidden') || s.includes('/lib/') || s.endsWith('.json') || s.endsWith('.md'))).toBe(false);
    expect(registry.get('NotAHandler')).toBeUndefined();
  });

  it('resolves a relative directory against the working directory', async () => {
    const relativeDir = relative(process.cwd(), fixture('valid-cjs'));
    expect(relativeDir.startsWith('/')).toBe(false);
    const registry = await loadHandlers(relativeDir);
    expect(registry.handlers()[0].source).toBe(join(fixture('valid-cjs'), 'a-compiled.cjs'));
  });

  it('returns an empty registry for a folder with no handler modules', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tqw-handlers-empty-'));
    try {
      const registry = await loadHandlers(empty);
      expect(registry.size).toBe(0);
      expect(registry.types()).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect((await loadHandlers(fixture('only-ignored'))).size).toBe(0);
  });

  it('follows symbolic links to files, as in a Kubernetes ConfigMap volume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tqw-handlers-configmap-'));
    try {
      // ConfigMap layout: the real files sit in a dot-named folder; the visible names are symlinks.
      mkdirSync(join(dir, '..data'));
      writeFileSync(join(dir, '..data', 'linked.js'), "module.exports = { type: 'Linked', handle() {} };\n");
      symlinkSync(join('..data', 'linked.js'), join(dir, 'linked.js'));
      const registry = await loadHandlers(dir);
      expect(registry.types()).toEqual(['Linked']);
      expect(registry.get('Linked')?.source).toBe(join(dir, 'linked.js'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadHandlers: failures name the file and carry a stable code', () => {
  it('a module that throws while loading: TQW_HANDLER_INVALID with the import error message', async () => {
    const err = await configError(loadHandlers(fixture('throws')));
    expect(err.code).toBe('TQW_HANDLER_INVALID');
    expect(err.message).toContain(join(fixture('throws'), 'handler.js'));
    expect(err.message).toContain('PRICING_API_URL is not set (fixture)');
    expect((err.cause as Error).message).toBe('PRICING_API_URL is not set (fixture)');
  });

  it('a module without handle: TQW_HANDLER_INVALID', async () => {
    const err = await configError(loadHandlers(fixture('no-handle')));
    expect(err.code).toBe('TQW_HANDLER_INVALID');
    expect(err.message).toContain(join(fixture('no-handle'), 'handler.js'));
    expect(err.message).toMatch(/no handle function/);
  });

  it('two modules claiming one type: TQW_HANDLER_DUPLICATE_TYPE naming the type and both files', async () => {
    const err = await configError(loadHandlers(fixture('duplicate')));
    expect(err.code).toBe('TQW_HANDLER_DUPLICATE_TYPE');
    expect(err.message).toContain("'ProductUpdate'");
    expect(err.message).toContain(join(fixture('duplicate'), 'first.js'));
    expect(err.message).toContain(join(fixture('duplicate'), 'second.cjs'));
  });

  it('an option with a bad value: TQW_HANDLER_INVALID naming the option', async () => {
    const err = await configError(loadHandlers(fixture('bad-option')));
    expect(err.code).toBe('TQW_HANDLER_INVALID');
    expect(err.message).toContain(join(fixture('bad-option'), 'handler.js'));
    expect(err.message).toContain('maxAttempts must be a positive integer');
    expect(err.message).toContain('number 0');
  });

  it('an unknown key: TQW_HANDLER_INVALID suggesting the key that was meant', async () => {
    const err = await configError(loadHandlers(fixture('unknown-key')));
    expect(err.code).toBe('TQW_HANDLER_INVALID');
    expect(err.message).toContain(join(fixture('unknown-key'), 'handler.js'));
    expect(err.message).toContain("'maxAttempt' (did you mean 'maxAttempts'?)");
  });

  it('a missing directory: TQW_CONFIG_INVALID naming the directory and handlers.dir / TQW_HANDLERS_DIR', async () => {
    const missing = join(tmpdir(), 'tqw-no-such-handlers-dir-6b1f');
    const err = await configError(loadHandlers(missing));
    expect(err.code).toBe('TQW_CONFIG_INVALID');
    expect(err.message).toContain(missing);
    expect(err.message).toContain('does not exist');
    expect(err.message).toContain('handlers.dir');
    expect(err.message).toContain('TQW_HANDLERS_DIR');
  });

  it('a file instead of a directory: TQW_CONFIG_INVALID saying so', async () => {
    const file = join(fixture('no-handle'), 'handler.js');
    const err = await configError(loadHandlers(file));
    expect(err.code).toBe('TQW_CONFIG_INVALID');
    expect(err.message).toContain(`${file} is not a directory`);
  });

  it('a dangling symbolic link: TQW_HANDLER_INVALID naming the link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tqw-handlers-dangling-'));
    try {
      symlinkSync(join(dir, 'gone.js'), join(dir, 'broken.js'));
      const err = await configError(loadHandlers(dir));
      expect(err.code).toBe('TQW_HANDLER_INVALID');
      expect(err.message).toContain(join(dir, 'broken.js'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
