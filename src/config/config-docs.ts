/**
 * Renders the configuration reference from the schema (`tqw config --docs`): every key with its
 * env var, default, accepted values and doc, as a plain-text list, a Markdown table (the README's
 * reference) or JSON. Generated, so the docs cannot disagree with what loadConfig accepts.
 */
import { CONFIG_SCHEMA, schemaKeys, type TqwSchema } from './schema';

export interface ConfigKeyDoc {
  key: string;
  env: string;
  default: unknown;
  format: string;
  doc: string;
}

export function configKeyDocs(schema: TqwSchema = CONFIG_SCHEMA): ConfigKeyDoc[] {
  return schemaKeys(schema).map(({ name, spec }) => ({
    key: name,
    env: spec.env,
    default: spec.default,
    format: spec.formatDoc,
    doc: spec.doc,
  }));
}

/** `1000` -> `1000 (1 s)`, for the durations in the docs. */
export function formatDefault(doc: ConfigKeyDoc): string {
  const text = JSON.stringify(doc.default);
  if (typeof doc.default !== 'number' || !doc.key.endsWith('Ms') || doc.default === 0) return text;
  return `${text} (${humanDuration(doc.default)})`;
}

function humanDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

const PREAMBLE =
  'Precedence: defaults < config file (--config or TQW_CONFIG, JSON) < TQW_* environment variables. ' +
  'Unknown keys are errors. Relative paths in the config file are resolved against its directory; ' +
  'from env vars and defaults, against the working directory.';

export function renderConfigDocsText(schema: TqwSchema = CONFIG_SCHEMA): string {
  const blocks = configKeyDocs(schema).map(
    (d) => `${d.key}\n  env:     ${d.env}\n  default: ${formatDefault(d)}\n  format:  ${d.format}\n  ${d.doc}`,
  );
  return `${PREAMBLE}\n\n${blocks.join('\n\n')}\n`;
}

export function renderConfigDocsMarkdown(schema: TqwSchema = CONFIG_SCHEMA): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = configKeyDocs(schema).map(
    (d) => `| \`${d.key}\` | \`${d.env}\` | \`${cell(formatDefault(d))}\` | ${cell(d.format)} | ${cell(d.doc)} |`,
  );
  return [PREAMBLE, '', '| Key | Env var | Default | Format | Description |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
}

export function renderConfigDocsJson(schema: TqwSchema = CONFIG_SCHEMA): string {
  return `${JSON.stringify(configKeyDocs(schema), null, 2)}\n`;
}
