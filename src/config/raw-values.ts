/**
 * Strict checks of the raw values, before convict sees them. convict coerces leniently
 * (parseInt("10abc") is 10, and every boolean string but "false" is true, so TQW_TENANTS_WATCH=0
 * would mean "watch"); these checks make such values errors instead, with messages that name the
 * key, where it came from and the raw value.
 */
import { closestName } from './closest-name';
import type { ConfigProblems } from './config-problems';
import { jsonKind } from './read-config-file';
import { SCHEDULES_KEY, schemaKeys, type KeySpec, type TqwSchema } from './schema';

const INTEGER_TEXT = /^[+-]?\d+$/;
const TRUE_TEXT = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);

/**
 * Checks the parsed config file against the schema: no unknown section or key (with a "did you
 * mean" suggestion), sections are objects, and each value has the key's JSON type. Every problem
 * goes to `problems`; the result holds only the values that passed (for convict to validate).
 */
export function checkFileValues(
  values: Record<string, unknown>,
  file: string,
  schema: TqwSchema,
  problems: ConfigProblems,
): Record<string, Record<string, unknown>> {
  const fail = (detail: string): void => problems.add(file, detail);
  const allNames = schemaKeys(schema).map((k) => k.name);
  const passed: Record<string, Record<string, unknown>> = {};
  for (const [section, sectionValue] of Object.entries(values)) {
    // An array, not a section of keys: src/schedules/parse-schedules.ts checks it.
    if (section === SCHEDULES_KEY) continue;
    const specs = (schema as unknown as Record<string, Record<string, KeySpec<unknown>> | undefined>)[section];
    if (!Object.hasOwn(schema, section) || !specs) {
      fail(`unknown section "${section}"${didYouMean(section, Object.keys(schema))} (run 'tqw config --docs' for every key)`);
      continue;
    }
    if (typeof sectionValue !== 'object' || sectionValue === null || Array.isArray(sectionValue)) {
      fail(`"${section}" must be an object with the keys ${Object.keys(specs).join(', ')}: value was ${JSON.stringify(sectionValue)}`);
      continue;
    }
    for (const [key, value] of Object.entries(sectionValue as Record<string, unknown>)) {
      const name = `${section}.${key}`;
      const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
      if (!spec) {
        fail(`unknown key "${name}"${didYouMean(name, allNames)} (run 'tqw config --docs' for every key)`);
        continue;
      }
      const expected = jsonTypeOf(spec);
      if (typeof value !== expected) {
        fail(
          `${name} must be ${spec.kind === 'integer' ? 'a JSON number' : `a JSON ${expected}`} (${spec.formatDoc}), not ${jsonKind(value)}: ` +
            `value was ${JSON.stringify(value)} (edit the file or set ${spec.env})`,
        );
        continue;
      }
      (passed[section] ??= {})[key] = value;
    }
  }
  return passed;
}

/**
 * Returns the TQW_* variables of `env` that the schema reads, checked and normalised for convict:
 * integers must be integer text, booleans one of true/false/1/0/yes/no/on/off (normalised to
 * true/false), log levels are lower-cased. An empty variable counts as unset (compose files often
 * pass `TQW_X=${X:-}`). Invalid values go to `problems` and are left out.
 */
export function normalizeEnv(env: NodeJS.ProcessEnv, schema: TqwSchema, problems: ConfigProblems): Record<string, string> {
  const normalized: Record<string, string> = {};
  for (const { name, spec } of schemaKeys(schema)) {
    const raw = env[spec.env];
    if (raw === undefined || raw.trim() === '') continue;
    const text = raw.trim();
    const fail = (): void =>
      problems.add(
        `environment variable ${spec.env}`,
        `${name} must be ${spec.kind === 'integer' ? 'an ' : ''}${spec.formatDoc}: value was ${JSON.stringify(raw)} (fix or unset ${spec.env})`,
      );
    switch (spec.kind) {
      case 'integer':
        if (INTEGER_TEXT.test(text)) normalized[spec.env] = text;
        else fail();
        break;
      case 'boolean': {
        const lower = text.toLowerCase();
        if (TRUE_TEXT.has(lower)) normalized[spec.env] = 'true';
        else if (FALSE_TEXT.has(lower)) normalized[spec.env] = 'false';
        else fail();
        break;
      }
      case 'enum':
        normalized[spec.env] = text.toLowerCase();
        break;
      case 'string':
        normalized[spec.env] = text;
        break;
    }
  }
  return normalized;
}

function jsonTypeOf(spec: KeySpec<unknown>): 'number' | 'boolean' | 'string' {
  switch (spec.kind) {
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
    case 'string':
      return 'string';
  }
}

function didYouMean(name: string, candidates: readonly string[]): string {
  const suggestion = closestName(name, candidates);
  return suggestion ? ` (did you mean "${suggestion}"?)` : '';
}
