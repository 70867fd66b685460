import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs } from '../parse-args';
import { renderTable } from '../table';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'create the QueueMessages table and its indexes in every tenant (idempotent)',
  usage: `Usage: tqw migrate [--tenant ID] [--config FILE] [--json]

Creates the QueueMessages table and its indexes in every tenant of the tenants file, or only in
--tenant ID. Safe to run again and from several processes at once. Prints one line per tenant and
exits 1 if any tenant failed (the others are still migrated).

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
        table: store.tableName,
        applied: (await store.migrate()) ?? undefined,
      }));
      const results = outcomes.map((o) =>
        o.ok
          ? { tenant: o.tenant.id, store: o.tenant.dialect, table: o.value.table, applied: o.value.applied, ok: true as const }
          : { tenant: o.tenant.id, store: o.tenant.dialect, ok: false as const, error: o.error },
      );
      const failed = results.filter((r) => !r.ok).length;
      if (values.json) {
        ctx.io.stdout(`${JSON.stringify({ ok: failed === 0, tenants: results }, null, 2)}\n`);
      } else {
        ctx.io.stdout(
          renderTable(
            ['TENANT', 'STORE', 'RESULT'],
            results.map((r) => [r.tenant, r.store, r.ok ? describeMigration(r.table, r.applied) : `FAILED: ${r.error}`]),
          ),
        );
        const upToDate = results.filter((r) => r.ok && r.applied?.length === 0).length;
        const counts = [
          [results.length - failed - upToDate, 'migrated'],
          [upToDate, 'already up to date'],
          [failed, 'failed'],
        ] as const;
        ctx.io.stdout(
          `${results.length} tenant(s): ${counts
            .filter(([n]) => n > 0)
            .map(([n, what]) => `${n} ${what}`)
            .join(', ')}\n`,
        );
      }
      return failed === 0 ? 0 : 1;
    });
  },
};

/** `up to date` when nothing was applied, else what was (a store that does not report it: `migrated`). */
function describeMigration(table: string, applied: readonly string[] | undefined): string {
  if (applied === undefined) return `migrated ${table}`;
  if (applied.length === 0) return `up to date ${table} (nothing to apply)`;
  return `migrated ${table} (${applied.length} migration(s) applied)`;
}
