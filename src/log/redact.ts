/**
 * Keeps secrets out of every text tqw writes: log lines, /healthz errors, CLI error messages and
 * ErrorMessage values. Two nets:
 *
 * 1. Known secrets: the passwords of every tenant connection string (updated on each tenants-file
 *    reload with `setSecrets`), replaced wherever they appear, also percent-encoded, JSON-escaped or
 *    ADO-quoted. Secrets shorter than MIN_KNOWN_SECRET_LENGTH are left to net 2: replacing every
 *    "ab" in every log line would make the logs unreadable.
 * 2. Generic patterns: the password of any `scheme://user:password@` URL, `password=` URL parameters,
 *    ADO `Password=`/`Pwd=` values (quoted or not) and `"password": "..."` JSON fields, so a secret we
 *    were never told about (a handler's own connection string, an admin URL) is still removed.
 *
 * A Redactor is a plain object passed to whoever writes text (no global state).
 */
import { describeError } from '../errors';
import { withPrivilegeHint } from '../store/privilege-hint';
import { connectionSecrets, detectDialect } from '../tenants/connection-string';
import { MASK, adoSecretValuePattern, jsonSecretFieldPattern, querySecretPattern, urlUserinfoPattern } from '../tenants/secret-patterns';

export const MIN_KNOWN_SECRET_LENGTH = 4;

export interface Redactor {
  /** `text` with every known secret and every password-looking value replaced by `***`. */
  redact(text: string): string;
  /** The same for one serialised JSON log line; the result stays valid JSON. */
  redactJsonLine(line: string): string;
  /** `describeError(err)`, redacted: the one-line description of an error that is safe to show. */
  describe(err: unknown): string;
  /**
   * Replaces the known secrets. Each value is a connection string (its passwords are extracted) or a
   * bare secret. Call it with the union of the old and new tenant maps while both may still log.
   */
  setSecrets(secrets: Iterable<string>): void;
  /** Number of known secrets (tests, diagnostics). */
  readonly size: number;
}

export function createRedactor(secrets: Iterable<string> = []): Redactor {
  return new SecretRedactor(secrets);
}

/** Cheap test of whether a line could hold something the generic patterns would change. */
const MAYBE_SECRET = /:\/\/|passw|pwd|secret/i;

class SecretRedactor implements Redactor {
  private known: string[] = [];
  private knownPattern: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    this.setSecrets(secrets);
  }

  get size(): number {
    return this.known.length;
  }

  setSecrets(values: Iterable<string>): void {
    const secrets = new Set<string>();
    for (const value of values) {
      if (typeof value !== 'string' || value === '') continue;
      const extracted = detectDialect(value) !== undefined ? connectionSecrets(value) : [value];
      for (const secret of extracted) {
        if (secret.length >= MIN_KNOWN_SECRET_LENGTH) secrets.add(secret);
      }
    }
    this.known = [...secrets];
    const forms = new Set<string>();
    for (const secret of secrets) {
      for (const form of writtenForms(secret)) forms.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.knownPattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  }

  redact(text: string): string {
    if (typeof text !== 'string') return text;
    return redactGeneric(this.redactKnown(text));
  }

  redactJsonLine(line: string): string {
    const known = this.redactKnown(line);
    if (!MAYBE_SECRET.test(known)) return known;
    const newline = known.endsWith('\n') ? '\n' : '';
    try {
      const parsed: unknown = JSON.parse(known);
      return JSON.stringify(mapStrings(parsed, redactGeneric)) + newline;
    } catch {
      // Not JSON after all: the text patterns still apply.
      return redactGeneric(known);
    }
  }

  describe(err: unknown): string {
    return this.redact(describeFailure(err));
  }

  private redactKnown(text: string): string {
    return this.knownPattern ? text.replace(this.knownPattern, MASK) : text;
  }
}

/**
 * describeError, plus the inner errors of an AggregateError: net.connect to a host with several
 * addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError whose own message is empty.
 */
export function describeFailure(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0 && !err.message) {
    return [...new Set(err.errors.map((inner: unknown) => describeFailure(inner)))].join('; ');
  }
  // pg's DatabaseError is named 'error': "error: relation ... does not exist" reads better without it.
  if (err instanceof Error && err.name === 'error' && err.message) return withPrivilegeHint(err, err.message);
  return describeError(err);
}

/** The generic patterns (net 2), for any text. */
export function redactGeneric(text: string): string {
  return text
    .replace(urlUserinfoPattern(), `$1${MASK}@`)
    .replace(querySecretPattern(), `$1${MASK}`)
    .replace(adoSecretValuePattern(), `$1${MASK}`)
    .replace(jsonSecretFieldPattern(), `$1${MASK}"`);
}

/** The ways a secret can be spelt in text: as is, percent-encoded, JSON-escaped, ADO-quoted. */
function writtenForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  const forms = [secret, encoded, jsonEscape(secret), jsonEscape(encoded), secret.replace(/"/g, '""'), secret.replace(/'/g, "''")];
  return forms.filter((f) => f.length >= MIN_KNOWN_SECRET_LENGTH);
}

function jsonEscape(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}
