import { loadHandlers } from '../../handlers/load-handlers';
import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs } from '../parse-args';
import { renderTable } from '../table';

interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'verify config, tenants file, handlers and every tenant database',
  usage: `Usage: tqw check [--tenant ID] [--config FILE] [--json]

Checks everything \`tqw run\` needs, without claiming anything: the config and tenants file are
valid, the handler modules of handlers.dir load, and every tenant (or --tenant ID) is reachable
with its QueueMessages table and indexes in place (run \`tqw migrate\` if not). Prints one line per
check; exits 1 if any check failed (78 if the config or tenants file itself is invalid).

  --tenant ID     check only this tenant's database
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, { ...TENANT_MAP_OPTIONS, tenant: { type: 'string' } });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    return withAdminSession(ctx, values, async (session) => {
      const results: CheckResult[] = [
        { check: 'config', ok: true, detail: 'valid' },
        { check: 'tenants file', ok: true, detail: `${session.tenants.length} tenant(s) in ${session.config.tenants.file}` },
      ];
      try {
        const handlers = await loadHandlers(session.config.handlers.dir);
        const types = handlers.types();
        results.push({
          check: 'handlers',
          ok: true,
          detail:
            types.length === 0
              ? `no handler modules in ${session.config.handlers.dir} (no message would be claimed: they stay Pending)`
              : `${types.length} message type(s) from ${session.config.handlers.dir}: ${types.join(', ')}`,
        });
      } catch (err) {
        results.push({ check: 'handlers', ok: false, detail: ctx.redactor.describe(err) });
      }

      const outcomes = await session.eachTenant(values.tenant, async (tenant, store) => {
        await store.ping();
        const missing = await store.missingIndexes();
        if (missing.length > 0) {
          throw new Error(`${store.tableName} lacks index(es) ${missing.join(', ')}: run \`tqw migrate\``);
        }
        const depth = await store.depth();
        return (
          `${store.tableName} reachable (${tenant.redactedConnection}); pending ${depth.Pending}, ` +
          `processing ${depth.Processing}, failed ${depth.Failed}, dead letters ${depth.DeadLetter}`
        );
      });
      for (const o of outcomes) {
        results.push({ check: `tenant ${o.tenant.id}`, ok: o.ok, detail: o.ok ? o.value : o.error });
      }

      const failed = results.filter((r) => !r.ok).length;
      if (values.json) {
        ctx.io.stdout(`${JSON.stringify({ ok: failed === 0, checks: results }, null, 2)}\n`);
      } else {
        ctx.io.stdout(
          renderTable(
            ['CHECK', 'STATUS', 'DETAIL'],
            results.map((r) => [r.check, r.ok ? 'ok' : 'FAILED', r.detail]),
          ),
        );
        ctx.io.stdout(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
      }
      return failed === 0 ? 0 : 1;
    });
  },
};
