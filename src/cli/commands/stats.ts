import type { PauseState, QueueStats } from '../../store/types';
import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs } from '../parse-args';
import { formatAge, renderTable } from '../table';

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'message counts by status and oldest due message age, per tenant',
  usage: `Usage: tqw stats [--tenant ID] [--config FILE] [--json]

Prints, per tenant, the number of messages in each status and the age of the oldest message that
is due now (how far behind the workers are), then the waiting (Pending and Failed) messages by
type: a type no running worker serves stays Pending and shows there, and what is paused (tqw pause).
Counting Completed rows may scan the table. Exits 1
if any tenant could not be read.

  --tenant ID     only this tenant
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, { ...TENANT_MAP_OPTIONS, tenant: { type: 'string' } });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    return withAdminSession(ctx, values, async (session) => {
      const outcomes = await session.eachTenant(values.tenant, async (_tenant, store) => ({
        ...(await store.stats()),
        paused: await store.pauseState(),
      }));
      const results = outcomes.map((o) =>
        o.ok ? { tenant: o.tenant.id, ok: true as const, ...o.value } : { tenant: o.tenant.id, ok: false as const, error: o.error },
      );
      const failed = results.filter((r) => !r.ok).length;
      if (values.json) {
        ctx.io.stdout(`${JSON.stringify({ ok: failed === 0, tenants: results }, null, 2)}\n`);
      } else {
        const row = (r: (typeof results)[number]) => {
          if (!r.ok) return [r.tenant, 'ERROR'];
          const { counts, oldestDueAgeSeconds, paused } = r as { tenant: string; paused: PauseState } & QueueStats;
          return [
            r.tenant,
            counts.Pending,
            counts.Processing,
            counts.Failed,
            counts.DeadLetter,
            counts.Completed,
            formatAge(oldestDueAgeSeconds),
            pausedCell(paused),
          ];
        };
        ctx.io.stdout(
          renderTable(['TENANT', 'PENDING', 'PROCESSING', 'FAILED', 'DEAD_LETTER', 'COMPLETED', 'OLDEST_DUE', 'PAUSED'], results.map(row)),
        );
        const waiting = results.flatMap((r) =>
          r.ok ? Object.entries((r as QueueStats).waitingByType).map(([type, count]) => [r.tenant, type, count]) : [],
        );
        if (waiting.length > 0) ctx.io.stdout(`\n${renderTable(['TENANT', 'TYPE', 'WAITING'], waiting)}`);
        for (const r of results) if (!r.ok) ctx.io.stdout(`${r.tenant}: ERROR: ${r.error}\n`);
      }
      return failed === 0 ? 0 : 1;
    });
  },
};

/** The PAUSED column: '-', 'all', the paused types, or 'all' plus types. */
function pausedCell(state: PauseState): string {
  if (!state.all && state.types.length === 0) return '-';
  return [...(state.all ? ['all'] : []), ...state.types].join(',');
}
