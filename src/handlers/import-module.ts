import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A real dynamic `import()`. This package compiles to CommonJS, and TypeScript rewrites an
 * `import(x)` written in CommonJS output into `require(x)`, which cannot load `.mjs` (ES) modules.
 * Code built with `new Function` is not seen by the compiler, so the `import()` inside stays native
 * and loads ES modules and CommonJS modules alike.
 */
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/**
 * Codes Node gives when `import()` runs inside a `vm` context that did not enable it: the case when
 * tqw is loaded inside Jest without `--experimental-vm-modules` (e.g. a user testing their handler
 * directory). There CommonJS modules can still be loaded with `require()`.
 */
const VM_IMPORT_UNSUPPORTED: ReadonlySet<unknown> = new Set([
  'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING',
  'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG',
]);

/**
 * Loads the module at the absolute path `file` and returns its namespace: for an ES module its
 * exports (the default export under `default`); for a CommonJS module `{ default: module.exports, ... }`.
 * Errors thrown while the module evaluates propagate unchanged.
 */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    // A file URL, not a path: import() treats 'C:\\...' or paths with '#' / '%' as URLs otherwise.
    return await nativeImport(pathToFileURL(file).href);
  } catch (err) {
    if (!VM_IMPORT_UNSUPPORTED.has((err as { code?: unknown } | null)?.code)) throw err;
    if (extname(file) === '.mjs') {
      throw new Error(
        'this process cannot import ES modules (it runs inside a vm context without dynamic import support, ' +
          'such as Jest without --experimental-vm-modules); write the handler as CommonJS (.js/.cjs) or enable ES modules there',
        { cause: err },
      );
    }
    // Deliberately require(): the fallback described above.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS fallback described above
    return { default: require(file) as unknown };
  }
}
