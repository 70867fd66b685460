#!/usr/bin/env node
'use strict';
// npm's `prepare` script. In a git checkout (src/ present: `npm ci`, a git dependency, `npm pack`)
// it compiles the TypeScript into dist/. In an installed package (the npm tarball ships dist/ and
// no src/) there is nothing to build, so a consumer's install never runs tsc (a dev dependency
// it does not have).
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.build.json'))) process.exit(0);
const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(result.status ?? 1);
