import type { AttemptError } from '../store/types';

/**
 * A message's error history as indented text lines (tqw show, tqw dead-letters list): one per
 * failed attempt, oldest first, each error redacted again (rows other tools wrote may hold secrets).
 */
export function errorHistoryLines(history: readonly AttemptError[], redact: (text: string) => string, indent = '  '): string {
  if (history.length === 0) return `${indent}(no error history)\n`;
  return history
    .map((e) => `${indent}attempt ${e.attempt} at ${e.failedAt.toISOString()}${e.code ? ` [${e.code}]` : ''}: ${redact(e.error)}\n`)
    .join('');
}

/** The history with each error redacted, for --json output. */
export function redactedHistory(history: readonly AttemptError[], redact: (text: string) => string): AttemptError[] {
  return history.map((e) => ({ ...e, error: redact(e.error) }));
}
