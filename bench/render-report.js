#!/usr/bin/env node
'use strict';
/**
 * Re-renders docs/benchmarks.md from bench/results/latest.json without measuring again (after a
 * change to bench/lib/markdown-report.js, or when the report could not be written).
 *   node bench/render-report.js
 */
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { renderMarkdown } = require('./lib/markdown-report');

const RESULTS_FILE = join(__dirname, 'results', 'latest.json');
const REPORT_FILE = join(__dirname, '..', 'docs', 'benchmarks.md');

const results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
mkdirSync(dirname(REPORT_FILE), { recursive: true });
writeFileSync(REPORT_FILE, renderMarkdown(results));
process.stdout.write(`Wrote ${REPORT_FILE} from ${RESULTS_FILE}\n`);
