import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, parseCommandArgs, required, uuidOption } from '../parse-args';
import { errorHistoryLines, redactedHistory } from '../error-history-lines';

export const showCommand: CliCommand = {
  name: 'show',
  summary: 'one message of a tenant with its error history',
  usage: `Usage: tqw show --tenant ID --id UUID [--config FILE] [--json]

Prints the message's row (status, attempts, times, last error; not its payload's content, only its
size) and its error history: every failed attempt's number, time, code and error, oldest first.
Exits 1 when the tenant's table has no message with this id.

  --tenant ID     the tenant (an id from the tenants file)
  --id UUID       the message
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, { ...TENANT_MAP_OPTIONS, tenant: { type: 'string' }, id: { type: 'string' } });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    const tenantId = required(values.tenant, '--tenant');
    const id = uuidOption(required(values.id, '--id'), '--id');
    return withAdminSession(ctx, values, async (session) => {
      const found = await session.forTenant(tenantId, async (_tenant, store) => {
        const row = await store.getMessage(id);
        return row && { row, table: store.tableName, history: (await store.errorHistory([row.id])).get(row.id.toLowerCase()) ?? [] };
      });
      if (!found) {
        if (values.json) ctx.io.stdout(`${JSON.stringify({ tenant: tenantId, id, found: false })}\n`);
        ctx.io.stderr(`tqw: no message ${id} in the table of tenant ${tenantId}\n`);
        return 1;
      }
      const redact = (text: string) => ctx.redactor.redact(text);
      const { payload, ...row } = found.row;
      const message = {
        ...row,
        payloadBytes: Buffer.byteLength(payload),
        errorMessage: row.errorMessage === null ? null : redact(row.errorMessage),
      };
      const errors = redactedHistory(found.history, redact);
      if (values.json) {
        ctx.io.stdout(`${JSON.stringify({ tenant: tenantId, found: true, message, errors }, null, 2)}\n`);
        return 0;
      }
      const time = (d: Date | null) => (d ? d.toISOString() : '-');
      ctx.io.stdout(
        [
          `message     ${message.id} (tenant ${tenantId}, ${found.table})`,
          `type        ${message.messageType}`,
          `status      ${message.status}, attempts ${message.processingAttempts}${message.snoozeCount > 0 ? `, snoozes ${message.snoozeCount}` : ''}`,
          `scheduled   ${time(message.scheduledTime)}`,
          `created     ${time(message.createdAt)}`,
          `last claim  ${time(message.dequeueTime)}`,
          `payload     ${message.payloadBytes} bytes`,
          `correlation ${message.correlationId ?? '-'}`,
          `last error  ${message.errorMessage ?? '-'}`,
          'error history:',
        ].join('\n') + `\n${errorHistoryLines(errors, (t) => t)}`,
      );
      return 0;
    });
  },
};
