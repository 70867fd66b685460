/**
 * The README's generated references stay true: the config table equals what the schema renders, every
 * tqw_ metric the code defines is documented (and nothing documented is missing from the code), and the
 * test command CI runs is the one the README names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { renderConfigDocsMarkdown } from '../../src/config/config-docs';
import { createMetrics } from '../../src/metrics/metrics';

const { readSection } = require('../../scripts/readme-sections') as { readSection(text: string, name: string): string };

const root = join(__dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

test('the configuration reference in README.md is the one the convict schema renders (npm run docs:config)', () => {
  expect(readSection(readme, 'config-reference')).toBe(renderConfigDocsMarkdown().trim());
});

test('every tqw_ metric is in the README metrics reference, and every documented one exists', async () => {
  const metrics = createMetrics({ registry: new Registry(), defaultMetrics: false, source: { tenants: () => [] } });
  const defined = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('tqw_')).sort();
  const documented = [...readSection(readme, 'metrics-reference').matchAll(/^\| `(tqw_[a-z_]+)`/gm)].map((m) => m[1]).sort();
  expect(defined.length).toBeGreaterThan(5);
  expect(documented).toEqual(defined);
});

test('the README names the test command that .ci/run runs', () => {
  expect(readme).toContain('npm ci && npm test');
  expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm test /m);
});
