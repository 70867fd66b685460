/**
 * Just enough PromQL reading to check dashboards and alert rules against the metrics tqw exports: the metric
 * names an expression selects and the label matchers of each selector. Syntax itself is checked by the real
 * Prometheus parser (`promtool check rules`) where promtool is installed.
 */

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** Metric names selected by `expr` (functions, aggregations, keywords and label names excluded). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(name.toLowerCase())) continue;
    // A number's exponent or a Grafana variable ($job) is not a metric.
    const before = stripped[(match.index ?? 0) - 1];
    if (before !== undefined && /[0-9.$]/.test(before)) continue;
    names.add(name);
  }
  return [...names].sort();
}

export interface Matcher {
  metric: string;
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** The label matchers of every `metric{...}` selector in `expr`. */
export function matchers(expr: string): Matcher[] {
  const result: Matcher[] = [];
  for (const selector of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    for (const m of selector[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      result.push({ metric: selector[1]!, label: m[1]!, op: m[2] as Matcher['op'], value: m[3]! });
    }
  }
  return result;
}
