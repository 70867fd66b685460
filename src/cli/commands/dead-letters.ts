import type { Logger } from 'pino';
import { UsageError } from '../../errors';
import { withAdminSession } from '../admin-session';
import type { CliCommand, CommandContext } from '../command';
import {
  COMMON_USAGE,
  TENANT_MAP_OPTIONS,
  integerOption,
  parseCommandArgs,
  required,
  uuidOption,
  type ConfigSelection,
} from '../parse-args';
import { renderTable, truncate } from '../table';
import { errorHistoryLines, redactedHistory } from '../error-history-lines';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 10_000;

export const deadLettersCommand: CliCommand = {
  name: 'dead-letters',
  summary: 'list dead-lettered messages (of a tenant or all tenants), requeue or delete them',
  usage: `Usage: tqw dead-letters list (--tenant ID | --all-tenants) [--limit N] [--config FILE] [--json]
       tqw dead-letters requeue --tenant ID (--id UUID [--id UUID ...] | --all) [--config FILE] [--json]
       tqw dead-letters delete --tenant ID (--id UUID [--id UUID ...] | --all) [--config FILE] [--json]

list      prints the tenant's DeadLetter messages, newest last attempt first (default limit ${DEFAULT_LIMIT}),
          each with its error history (every failed attempt's error, oldest first); with
          --all-tenants, those of every tenant (up to the limit each; a tenant that cannot be read
          is reported on stderr and the exit code is 1).
requeue   moves DeadLetter messages back to Pending with their attempts reset and due now, so the
          workers run them again (after the cause is fixed). Logged on stderr. Exits 1 if an --id
          names no message or one that is not DeadLetter (each is reported; the others are requeued).
delete    deletes DeadLetter messages for good, logged on stderr; the same rules for --id.

  --tenant ID     the tenant (an id from the tenants file)
  --all-tenants   list: every tenant of the tenants file
  --limit N       list: most messages shown per tenant (1-${MAX_LIMIT})
  --id UUID       requeue, delete: this message (repeatable)
  --all           requeue, delete: every DeadLetter message of the tenant
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        ...TENANT_MAP_OPTIONS,
        tenant: { type: 'string' },
        limit: { type: 'string' },
        id: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        'all-tenants': { type: 'boolean', default: false },
      },
      true,
    );
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (action === 'list') {
      if (values.id !== undefined || values.all) throw new UsageError('--id and --all belong to `dead-letters requeue`');
      const limit = integerOption(values.limit, '--limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
      if (values['all-tenants']) {
        if (values.tenant !== undefined) throw new UsageError('give either --tenant or --all-tenants, not both');
        return listAll(ctx, values, limit, values.json === true);
      }
      return list(ctx, values, required(values.tenant, '--tenant'), limit, values.json === true);
    }
    if (values['all-tenants']) throw new UsageError('--all-tenants belongs to `dead-letters list`');
    if (action === 'requeue' || action === 'delete') {
      if (values.limit !== undefined) throw new UsageError('--limit belongs to `dead-letters list`');
      const ids = (values.id ?? []).map((id) => uuidOption(id, '--id'));
      if (ids.length === 0 && !values.all) throw new UsageError(`${action} needs --id UUID (repeatable) or --all`);
      if (ids.length > 0 && values.all) throw new UsageError('give either --id or --all, not both');
      if (action === 'delete')
        return remove(ctx, values, required(values.tenant, '--tenant'), values.all ? undefined : ids, values.json === true);
      return requeue(ctx, values, required(values.tenant, '--tenant'), values.all ? undefined : ids, values.json === true);
    }
    throw new UsageError(
      action === undefined
        ? 'dead-letters needs an action: list, requeue or delete'
        : `unknown action '${action}': use list, requeue or delete`,
    );
  },
};

async function list(ctx: CommandContext, selection: ConfigSelection, tenantId: string, limit: number, json: boolean): Promise<number> {
  return withAdminSession(ctx, selection, async (session) => {
    const tenant = session.tenant(tenantId);
    const { rows, history } = await session.forTenant(tenantId, async (_tenant, store) => {
      const rows = await store.listDeadLetters(limit);
      return { rows, history: await store.errorHistory(rows.map((r) => r.id)) };
    });
    const redact = (text: string) => ctx.redactor.redact(text);
    const errorsOf = (id: string) => history.get(id.toLowerCase()) ?? [];
    // ErrorMessage is written redacted by the worker; redact again for rows other tools wrote.
    const safe = rows.map((r) => ({
      ...r,
      errorMessage: r.errorMessage === null ? null : redact(r.errorMessage),
      errors: redactedHistory(errorsOf(r.id), redact),
    }));
    if (json) {
      ctx.io.stdout(`${JSON.stringify({ tenant: tenant.id, count: safe.length, messages: safe }, null, 2)}\n`);
    } else {
      ctx.io.stdout(
        renderTable(
          ['ID', 'TYPE', 'ATTEMPTS', 'LAST_ATTEMPT', 'ERROR'],
          safe.map((r) => [
            r.id,
            r.messageType,
            r.processingAttempts,
            r.lastAttemptTime?.toISOString(),
            truncate(r.errorMessage ?? '', 100),
          ]),
        ),
      );
      for (const r of safe) if (r.errors.length > 0) ctx.io.stdout(`\n${r.id} error history:\n${errorHistoryLines(r.errors, (t) => t)}`);
      ctx.io.stdout(
        `${safe.length} dead letter(s) of tenant ${tenant.id}${safe.length === limit ? ` (limit ${limit}; use --limit for more)` : ''}\n`,
      );
    }
    return 0;
  });
}

async function requeue(
  ctx: CommandContext,
  selection: ConfigSelection,
  tenantId: string,
  ids: string[] | undefined,
  json: boolean,
): Promise<number> {
  return withAdminSession(ctx, selection, async (session) => {
    const tenant = session.tenant(tenantId);
    // Named ids are looked up first, so each one that cannot be requeued is reported with the reason.
    const refused: Array<{ id: string; reason: string }> = [];
    const count = await session.forTenant(tenantId, async (_tenant, store) => {
      for (const id of ids ?? []) {
        const row = await store.getMessage(id);
        if (row?.status !== 'DeadLetter') refused.push({ id, reason: notDeadLetter(row, store.tableName) });
      }
      const wanted = ids?.filter((id) => !refused.some((r) => r.id === id));
      return wanted === undefined || wanted.length > 0 ? store.requeueDeadLetters(wanted) : 0;
    });
    return reportAction(ctx, session.logger, { tenant: tenant.id, verb: 'requeued', count, ids, refused, json });
  });
}

async function listAll(ctx: CommandContext, selection: ConfigSelection, limit: number, json: boolean): Promise<number> {
  return withAdminSession(ctx, selection, async (session) => {
    const outcomes = await session.eachTenant(undefined, (_t, store) => store.listDeadLetters(limit));
    const rows = outcomes.flatMap((o) =>
      o.ok ? o.value.map((r) => ({ ...r, errorMessage: r.errorMessage === null ? null : ctx.redactor.redact(r.errorMessage) })) : [],
    );
    const failed = outcomes.flatMap((o) => (o.ok ? [] : [{ tenant: o.tenant.id, error: o.error }]));
    if (json) {
      ctx.io.stdout(`${JSON.stringify({ tenants: outcomes.length, count: rows.length, messages: rows, failed }, null, 2)}\n`);
    } else {
      ctx.io.stdout(
        renderTable(
          ['TENANT', 'ID', 'TYPE', 'ATTEMPTS', 'LAST_ATTEMPT', 'ERROR'],
          rows.map((r) => [
            r.tenantId,
            r.id,
            r.messageType,
            r.processingAttempts,
            r.lastAttemptTime?.toISOString(),
            truncate(r.errorMessage ?? '', 80),
          ]),
        ),
      );
      ctx.io.stdout(
        `${rows.length} dead letter(s) in ${outcomes.length - failed.length} of ${outcomes.length} tenant(s) (at most ${limit} per tenant)\n`,
      );
    }
    for (const f of failed) ctx.io.stderr(`tqw: tenant ${f.tenant}: ${f.error}\n`);
    return failed.length === 0 ? 0 : 1;
  });
}

/** Dead letters deleted per statement by --all (repeated until fewer come back). */
const DELETE_BATCH = 500;

async function remove(
  ctx: CommandContext,
  selection: ConfigSelection,
  tenantId: string,
  ids: string[] | undefined,
  json: boolean,
): Promise<number> {
  return withAdminSession(ctx, selection, async (session) => {
    const tenant = session.tenant(tenantId);
    const refused: Array<{ id: string; reason: string }> = [];
    const count = await session.forTenant(tenantId, async (_tenant, store) => {
      if (ids === undefined) {
        let total = 0;
        for (let n = DELETE_BATCH; n === DELETE_BATCH; total += n) n = await store.deleteDeadLettersMatching({}, DELETE_BATCH);
        return total;
      }
      let deleted = 0;
      for (const id of ids) {
        if (await store.deleteMessage(id, ['DeadLetter'])) deleted += 1;
        else {
          refused.push({ id, reason: notDeadLetter(await store.getMessage(id), store.tableName) });
        }
      }
      return deleted;
    });
    return reportAction(ctx, session.logger, { tenant: tenant.id, verb: 'deleted', count, ids, refused, json });
  });
}

/** Why a named message was not acted on: it does not exist, or it is not a dead letter. */
function notDeadLetter(row: { status: string } | null, tableName: string): string {
  return row === null ? `no message with this id in ${tableName}` : `it is ${row.status}, not DeadLetter`;
}

interface ActionOutcome {
  tenant: string;
  verb: 'requeued' | 'deleted';
  count: number;
  /** The ids asked for; undefined: every dead letter of the tenant. */
  ids: string[] | undefined;
  refused: Array<{ id: string; reason: string }>;
  json: boolean;
}

/** One log line, the result (text or JSON) and one stderr line per refused id; exit 1 if any was refused. */
function reportAction(ctx: CommandContext, logger: Logger, o: ActionOutcome): number {
  logger.info(
    { tenant: o.tenant, ids: o.ids ?? 'all', [o.verb]: o.count },
    o.verb === 'requeued' ? 'dead letters requeued to Pending (attempts reset)' : 'dead letters deleted',
  );
  if (o.json) ctx.io.stdout(`${JSON.stringify({ tenant: o.tenant, [o.verb]: o.count, requested: o.ids ?? 'all', refused: o.refused })}\n`);
  else ctx.io.stdout(`${o.verb} ${o.count} dead letter(s) of tenant ${o.tenant}\n`);
  for (const r of o.refused) ctx.io.stderr(`tqw: not ${o.verb}: ${r.id} (tenant ${o.tenant}): ${r.reason}\n`);
  return o.refused.length === 0 ? 0 : 1;
}
