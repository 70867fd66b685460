/**
 * Describes a JSON.parse failure with line and column, WITHOUT echoing the file's text: V8 quotes
 * a slice of the source in some messages ("Unexpected token 'x', "...source..." is not valid
 * JSON"), and in a tenants file that slice can be a password. Shared by the config and tenants loaders.
 */
export function describeJsonSyntaxError(err: unknown, text: string): string {
  if (text.trim() === '') return 'the file is empty';
  const raw = err instanceof Error ? err.message : String(err);
  const message = raw.replace(/, ".*" is not valid JSON$/s, '');
  const position = /at position (\d+)/.exec(message);
  if (!position || /line \d+ column \d+/.test(message)) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}
