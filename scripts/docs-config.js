#!/usr/bin/env node
// Regenerates the configuration reference in README.md from the convict schema (via `tqw config --docs
// --markdown`, built from dist/). test/docs/readme.test.ts fails when the README is out of date.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { renderReadmeConfigSection, replaceSection } = require('./readme-sections');

const readme = join(__dirname, '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = replaceSection(before, 'config-reference', renderReadmeConfigSection());
if (after !== before) writeFileSync(readme, after);
process.stdout.write(after === before ? 'README.md config reference is up to date\n' : 'README.md config reference regenerated\n');
