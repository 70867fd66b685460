import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { ConfigError, describeError } from '../errors';
import { HandlerRegistry, compareCodeUnits } from './handler-registry';
import { importModule } from './import-module';
import type { LoadedHandler } from './types';
import { validateHandler } from './validate-handler';

/** File extensions loaded as handler modules. `.js` follows Node's rules (nearest package.json "type"). */
export const HANDLER_EXTENSIONS: readonly string[] = ['.js', '.mjs', '.cjs'];

/**
 * Loads every handler module of `dir` (config `handlers.dir`, env `TQW_HANDLERS_DIR`) and returns
 * the registry the worker dispatches from. Fails fast: the first invalid module stops start-up.
 *
 * Which files load: every `.js`, `.mjs` and `.cjs` file directly in `dir`, in name order (code-unit
 * order, the same on every machine) so module side effects and errors are deterministic. Ignored:
 * other extensions (`.ts`, `.map`, `.json`, README...), names starting with a dot, and subdirectories
 * (so helpers a handler `require`s can live in `dir/lib/`). Symbolic links to files are followed, as
 * in a Kubernetes ConfigMap volume, whose entries are symlinks (its `..data` folder is a dot name).
 *
 * Each module is loaded with a native `import()` of its file URL, which loads ES modules and
 * CommonJS alike. The handler is the default export (ES), or `module.exports` (CommonJS), or
 * `exports.default` of a module compiled from TypeScript or Babel.
 *
 * An empty directory is not an error: the registry is empty (the caller should warn: every message
 * would then be retried as "no handler" and finally dead-lettered).
 *
 * @throws ConfigError TQW_CONFIG_INVALID when `dir` is missing, not a directory or unreadable;
 *   TQW_HANDLER_INVALID when a module throws while loading or its export is not a valid handler;
 *   TQW_HANDLER_DUPLICATE_TYPE when two modules claim one message type (both files are named).
 */
export async function loadHandlers(dir: string): Promise<HandlerRegistry> {
  const root = resolve(dir);
  const entries: { loaded: LoadedHandler; label: string }[] = [];
  for (const file of await listHandlerFiles(root)) {
    entries.push({ loaded: await loadHandlerFile(file), label: file });
  }
  return new HandlerRegistry(entries);
}

/** Imports one module and validates its handler export. */
async function loadHandlerFile(file: string): Promise<LoadedHandler> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(file);
  } catch (err) {
    throw new ConfigError(
      `handler module ${file} threw while loading: ${describeError(err)}; ` +
        `fix the module (\`node ${file}\` shows the full stack) or remove it from handlers.dir`,
      'TQW_HANDLER_INVALID',
      { cause: err },
    );
  }
  return validateHandler(handlerExport(namespace, file), file);
}

/**
 * The handler value of a module namespace. import() of CommonJS puts module.exports under
 * `default`; a module compiled from an ES module (TypeScript/Babel: `exports.default = ...` plus an
 * `__esModule` marker), or a hand-written `module.exports = { default: handler }`, keeps the handler
 * one level further down.
 */
function handlerExport(namespace: Record<string, unknown>, file: string): unknown {
  const noDefault = () =>
    new ConfigError(
      `handler ${file}: the module has no default export; write \`export default { type, handle }\` ` +
        '(ES module, or defineHandler in TypeScript) or `module.exports = { type, handle }` (CommonJS)',
      'TQW_HANDLER_INVALID',
    );
  if (!('default' in namespace)) throw noDefault();
  let value = namespace.default;
  if (typeof value === 'object' && value !== null) {
    const exported = value as Record<string, unknown>;
    if (exported.__esModule === true) {
      if (!('default' in exported)) throw noDefault();
      value = exported.default;
    } else if (!('handle' in exported) && 'default' in exported) {
      value = exported.default;
    }
  }
  return value;
}

/** Absolute paths of the handler modules directly in `root`, sorted by name. */
async function listHandlerFiles(root: string): Promise<string[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(root, { withFileTypes: true });
  } catch (err) {
    throw new ConfigError(
      `handlers directory ${root} ${describeDirError(err)} (config handlers.dir, env TQW_HANDLERS_DIR); ` +
        'point it at the folder that holds your handler modules (.js, .mjs, .cjs)',
      'TQW_CONFIG_INVALID',
      { cause: err },
    );
  }

  const files: string[] = [];
  for (const dirent of dirents) {
    if (dirent.name.startsWith('.') || !HANDLER_EXTENSIONS.includes(extname(dirent.name))) continue;
    const file = join(root, dirent.name);
    if (dirent.isFile() || (dirent.isSymbolicLink() && (await isFileBehindLink(file)))) files.push(file);
  }
  return files.sort(compareCodeUnits);
}

async function isFileBehindLink(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (err) {
    throw new ConfigError(
      `handler module ${file} is a symbolic link that cannot be followed: ${describeError(err)}; fix or remove the link`,
      'TQW_HANDLER_INVALID',
      { cause: err },
    );
  }
}

function describeDirError(err: unknown): string {
  switch ((err as { code?: unknown } | null)?.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    default:
      return `cannot be read (${describeError(err)})`;
  }
}
