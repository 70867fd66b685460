import type { TqwConfig } from '../../config/schema';
import { renderConfigDocsJson, renderConfigDocsMarkdown, renderConfigDocsText } from '../../config/config-docs';
import { loadConfigWithSources } from '../../config/load-config';
import { schemaKeys } from '../../config/schema';
import { UsageError } from '../../errors';
import type { CliCommand } from '../command';
import { COMMON_OPTIONS, COMMON_USAGE, parseCommandArgs } from '../parse-args';
import { renderTable } from '../table';

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'show the effective configuration, or document every key (--docs)',
  usage: `Usage: tqw config [--config FILE] [--json]
       tqw config --docs [--markdown | --json]

Without --docs: validates the configuration and prints every key's effective value and where it
came from (default, file, env). With --docs: every key, its env var, default, accepted values and
description, from the schema (--markdown for the README table, --json for tools).

  --docs          document the keys instead of showing values
  --markdown      with --docs: a Markdown table
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      ...COMMON_OPTIONS,
      docs: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
    });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (values.docs) {
      if (values.markdown && values.json) throw new UsageError('give --markdown or --json, not both');
      ctx.io.stdout(values.markdown ? renderConfigDocsMarkdown() : values.json ? renderConfigDocsJson() : renderConfigDocsText());
      return 0;
    }
    if (values.markdown) throw new UsageError('--markdown goes with --docs');
    const loaded = loadConfigWithSources({ configFile: values.config, env: ctx.io.env, cwd: ctx.io.cwd });
    const { configFile, sources } = loaded;
    const config = withSecretsHidden(loaded.config);
    if (values.json) {
      ctx.io.stdout(`${JSON.stringify({ configFile: configFile ?? null, config, sources }, null, 2)}\n`);
      return 0;
    }
    ctx.io.stdout(`config file: ${configFile ?? '(none: defaults and TQW_* environment variables)'}\n`);
    ctx.io.stdout(
      renderTable(
        ['KEY', 'VALUE', 'SOURCE'],
        schemaKeys().map(({ name, section, key, spec }) => {
          const value = (config as unknown as Record<string, Record<string, unknown>>)[section][key];
          return [name, JSON.stringify(value), sources[name] === 'env' ? `env ${spec.env}` : sources[name]];
        }),
      ),
    );
    return 0;
  },
};

/** The config with every secret key (schema `secret`) that is set shown as "***". */
function withSecretsHidden(config: TqwConfig): TqwConfig {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, Record<string, unknown>>;
  for (const { section, key, spec } of schemaKeys()) {
    const values = copy[section];
    if (spec.secret && values && values[key] !== '') values[key] = '***';
  }
  return copy as unknown as TqwConfig;
}
