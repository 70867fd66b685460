'use strict';
// Shared by scripts/docs-config.js and the README test: the generated README sections.
const { join } = require('node:path');

/** The markdown config table, from the built schema (dist/). */
function renderReadmeConfigSection() {
  const { renderConfigDocsMarkdown } = require(join(__dirname, '..', 'dist', 'config', 'config-docs.js'));
  return renderConfigDocsMarkdown().trim();
}

/** Replaces the text between `<!-- NAME:start ... -->` and `<!-- NAME:end -->`. */
function replaceSection(text, name, body) {
  const start = text.indexOf(`<!-- ${name}:start`);
  const startEnd = text.indexOf('-->', start) + 3;
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < 0 || end < startEnd) throw new Error(`README.md has no ${name} markers`);
  return `${text.slice(0, startEnd)}\n${body}\n${text.slice(end)}`;
}

/** The text between the markers. */
function readSection(text, name) {
  const start = text.indexOf(`<!-- ${name}:start`);
  const startEnd = text.indexOf('-->', start) + 3;
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < 0) throw new Error(`README.md has no ${name} markers`);
  return text.slice(startEnd, end).trim();
}

module.exports = { renderReadmeConfigSection, replaceSection, readSection };
