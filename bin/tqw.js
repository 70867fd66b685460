#!/usr/bin/env node
'use strict';
// The `tqw` executable: runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs
// through the "prepare" script) and exits with its code once stdout and stderr are flushed.

let main;
try {
  ({ main } = require('../dist/cli/main.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(String(err.message))) {
    process.stderr.write('tqw: the compiled CLI (dist/cli/main.js) is missing: run `npm run build` in the package directory\n');
    process.exit(1);
  }
  throw err;
}

function exit(code) {
  process.exitCode = code;
  // Exit even if a library left a handle open, but only after pending output is written.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exit, (err) => {
  // main() reports its own errors; this is a bug in main itself.
  const message = err && err.message ? err.message.split('\n')[0] : String(err);
  process.stderr.write(`tqw: internal error: ${message.replace(/(:\/\/[^\s:/?#@]*:)\S*@/g, '$1***@')}\n`);
  exit(1);
});
