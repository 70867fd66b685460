/** Reading tqw's Prometheus text exposition (the figures the invariant checker compares with the table). */

export interface ProcessedTotals {
  completed: number;
  retried: number;
  dead_lettered: number;
}

/** tqw_messages_processed_total summed over tenants and types, per outcome. */
export function processedTotals(text: string): ProcessedTotals {
  const totals: ProcessedTotals = { completed: 0, retried: 0, dead_lettered: 0 };
  const line = /^tqw_messages_processed_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e\+?\d+)?)$/gm;
  for (const match of text.matchAll(line)) {
    const outcome = /outcome="([^"]+)"/.exec(match[1]!)?.[1] as keyof ProcessedTotals | undefined;
    if (outcome && outcome in totals) totals[outcome] += Number(match[2]);
  }
  return totals;
}

/** The value of one series (exact label set, in exposition order), or undefined. */
export function seriesValue(text: string, name: string, labels: string): number | undefined {
  const escaped = `${name}{${labels}}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}
