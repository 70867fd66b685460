import { UsageError } from '../../errors';
import type { PauseState } from '../../store/types';
import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs, required } from '../parse-args';

/** `tqw pause` and `tqw resume`: one pause switch of one tenant, in that tenant's QueuePauses table. */
function switchCommand(action: 'pause' | 'resume'): CliCommand {
  const pausing = action === 'pause';
  return {
    name: action,
    summary: pausing
      ? 'pause a tenant (or one message type of it) for every worker: its messages stay Pending'
      : 'resume a tenant (or one message type of it) paused by tqw pause',
    usage: `Usage: tqw ${action} --tenant ID [--type T] [--config FILE] [--json]

${
  pausing
    ? `Turns a pause switch on in the tenant's own database (the QueuePauses table \`tqw migrate\` creates),
so every worker of every replica leaves the tenant's messages (with --type, only that type's) Pending
from its next claim on; messages already running finish. Nothing is lost and no attempt is counted.
Pausing what is already paused changes nothing. Undo with \`tqw resume\`.`
    : `Turns the pause switch of the tenant (with --type, of that message type) off: workers claim its
messages again from their next claim on. A type paused on its own stays paused after resuming the
whole tenant, and the other way round.`
}

  --tenant ID     the tenant (an id from the tenants file)
  --type T        only this message type (default: the whole tenant)
${COMMON_USAGE}`,

    async run(args, ctx) {
      const { values, positionals } = parseCommandArgs(
        args,
        { ...TENANT_MAP_OPTIONS, tenant: { type: 'string' }, type: { type: 'string' } },
        true,
      );
      if (values.help) {
        ctx.io.stdout(`${this.usage}\n`);
        return 0;
      }
      if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      const tenantId = required(values.tenant, '--tenant');
      const messageType = values.type;
      if (messageType !== undefined && messageType.trim() === '')
        throw new UsageError('--type needs a message type (leave it out to switch the whole tenant)');
      return withAdminSession(ctx, values, async (session) => {
        const { changed, state } = await session.forTenant(tenantId, async (_t, store) => {
          const changed = pausing ? await store.pause(messageType) : await store.resume(messageType);
          return { changed, state: await store.pauseState() };
        });
        const what = messageType === undefined ? `tenant ${tenantId}` : `message type ${messageType} of tenant ${tenantId}`;
        if (changed) session.logger.info({ tenant: tenantId, type: messageType, action }, pausing ? 'paused' : 'resumed');
        if (values.json) {
          ctx.io.stdout(`${JSON.stringify({ tenant: tenantId, type: messageType ?? null, action, changed, paused: state })}\n`);
        } else {
          const verb = pausing ? 'paused' : 'resumed';
          ctx.io.stdout(`${changed ? verb : `already ${pausing ? 'paused' : 'not paused'}`}: ${what}\n`);
          ctx.io.stdout(`now paused: ${describePauseState(state)}\n`);
        }
        return 0;
      });
    },
  };
}

/** "nothing", "the whole tenant", "types A, B", or both, for humans (tqw pause, tqw stats). */
export function describePauseState(state: PauseState): string {
  const parts = [...(state.all ? ['the whole tenant'] : []), ...(state.types.length > 0 ? [`types ${state.types.join(', ')}`] : [])];
  return parts.length === 0 ? 'nothing' : parts.join(' and ');
}

export const pauseCommand = switchCommand('pause');
export const resumeCommand = switchCommand('resume');
