import { UsageError } from '../../errors';
import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs, required, uuidOption } from '../parse-args';

/** What `tqw cancel` may remove: a message waiting to run. Never Processing (a worker holds it). */
const CANCELLABLE = ['Pending', 'Failed'] as const;

export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'remove a Pending or Failed message before it runs',
  usage: `Usage: tqw cancel --tenant ID --id UUID [--config FILE] [--json]

Deletes the message if it is Pending or Failed (waiting for its first run or a retry), and logs it on
stderr. A Processing message (a worker holds it), a Completed or DeadLetter one is not touched:
exit 1 with the reason (dead letters: \`tqw dead-letters delete\`).

  --tenant ID     the tenant (an id from the tenants file)
  --id UUID       the message
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      { ...TENANT_MAP_OPTIONS, tenant: { type: 'string' }, id: { type: 'string' } },
      true,
    );
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const tenantId = required(values.tenant, '--tenant');
    const id = uuidOption(required(values.id, '--id'), '--id').toLowerCase();
    return withAdminSession(ctx, values, async (session) => {
      const { deleted, status } = await session.forTenant(tenantId, async (_t, store) => {
        if (await store.deleteMessage(id, CANCELLABLE)) return { deleted: true, status: null };
        return { deleted: false, status: (await store.getMessage(id))?.status ?? null };
      });
      if (deleted) session.logger.info({ tenant: tenantId, id, action: 'cancel' }, 'message cancelled (deleted while Pending or Failed)');
      if (values.json) ctx.io.stdout(`${JSON.stringify({ tenant: tenantId, id, cancelled: deleted, status })}\n`);
      else if (deleted) ctx.io.stdout(`cancelled message ${id} of tenant ${tenantId}\n`);
      if (deleted) return 0;
      ctx.io.stderr(
        status === null
          ? `tqw: not cancelled: no message ${id} in tenant ${tenantId}\n`
          : `tqw: not cancelled: message ${id} is ${status}; only ${CANCELLABLE.join(' or ')} messages can be cancelled\n`,
      );
      return 1;
    });
  },
};
