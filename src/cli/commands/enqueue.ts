import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeJsonSyntaxError } from '../../config/json-syntax-error';
import { describeReadError } from '../../config/read-config-file';
import { UsageError } from '../../errors';
import { payloadTooLarge } from '../../worker/payload-limit';
import { withAdminSession } from '../admin-session';
import type { CliCommand } from '../command';
import { parseDuration } from '../duration';
import type { CliIo } from '../io';
import { COMMON_USAGE, TENANT_MAP_OPTIONS, integerOption, parseCommandArgs, required, uuidOption } from '../parse-args';

/** MessageType is NVARCHAR(255). */
import { MAX_MESSAGE_TYPE_LENGTH as MAX_TYPE_LENGTH } from '../../store/types';

export const enqueueCommand: CliCommand = {
  name: 'enqueue',
  summary: 'add one message to a tenant queue',
  usage: `Usage: tqw enqueue --tenant ID --type TYPE --payload JSON|@FILE|@- [options]

Inserts one Pending message into the tenant's QueueMessages table and prints its id.

  --tenant ID            the tenant (an id from the tenants file)
  --type TYPE            the message type (MessageType), handled by the handler of that type
  --payload JSON         the payload; @FILE reads a file, @- reads stdin. Must be valid JSON
                         unless --raw is given (then it is stored exactly as given)
  --delay DURATION       due after this long (database clock), e.g. 500ms, 30s, 2m, 1h; default now
  --correlation-id UUID  stored in CorrelationId, carried into every log line about the message
  --id UUID              the message id; default a random UUID
  --dedupe-key K         stored in DedupeKey: while a message with this key is not yet Completed or
                         DeadLetter, nothing is inserted and that message's id is printed (saying so)
  --priority N           stored in Priority: higher is claimed first (an integer; default none, i.e. 0)
  --raw                  store the payload without checking that it is JSON
  (a payload over worker.maxPayloadBytes, 1 MiB by default, is refused)
${COMMON_USAGE}`,

  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      ...TENANT_MAP_OPTIONS,
      tenant: { type: 'string' },
      type: { type: 'string' },
      payload: { type: 'string' },
      delay: { type: 'string' },
      'correlation-id': { type: 'string' },
      id: { type: 'string' },
      priority: { type: 'string' },
      'dedupe-key': { type: 'string' },
      raw: { type: 'boolean', default: false },
    });
    if (values.help) {
      ctx.io.stdout(`${this.usage}\n`);
      return 0;
    }
    const tenantId = required(values.tenant, '--tenant');
    const messageType = required(values.type, '--type').trim();
    if (messageType.length > MAX_TYPE_LENGTH)
      throw new UsageError(`--type is ${messageType.length} characters; MessageType holds at most ${MAX_TYPE_LENGTH}`);
    const payload = await readPayload(required(values.payload, '--payload'), ctx.io, values.raw === true);
    let delayMs = 0;
    if (values.delay !== undefined) {
      try {
        delayMs = parseDuration(values.delay);
      } catch (err) {
        throw new UsageError(`--delay ${(err as Error).message}`);
      }
    }
    const correlationId = values['correlation-id'] === undefined ? null : uuidOption(values['correlation-id'], '--correlation-id');
    const id = values.id === undefined ? undefined : uuidOption(values.id, '--id');
    const priority = values.priority === undefined ? null : integerOption(values.priority, '--priority', 0, -2_147_483_648, 2_147_483_647);

    return withAdminSession(ctx, values, async (session) => {
      const tooLarge = payloadTooLarge(payload, session.config.worker.maxPayloadBytes, messageType);
      if (tooLarge) throw new UsageError(`--payload for tenant '${tenantId}': ${tooLarge.message}`);
      // A string payload is stored as is by the store (already checked JSON, or --raw).
      const dedupeKey = values['dedupe-key'] ?? null;
      const { tenant, outcome } = await session.forTenant(tenantId, async (tenant, store) => ({
        tenant,
        outcome: await store.enqueueMessage({ id, tenantId: tenant.id, messageType, payload, delayMs, correlationId, priority, dedupeKey }),
      }));
      const messageId = outcome.id;
      if (values.json) {
        ctx.io.stdout(
          `${JSON.stringify({ id: messageId, tenant: tenant.id, type: messageType, delayMs, correlationId, priority, dedupeKey, deduplicated: outcome.deduplicated })}\n`,
        );
      } else {
        ctx.io.stdout(`${messageId}\n`);
        if (outcome.deduplicated)
          ctx.io.stderr(
            `tqw: dedupe key '${dedupeKey}' is held by message ${messageId} (not yet Completed or DeadLetter); nothing inserted\n`,
          );
      }
      return 0;
    });
  },
};

/** The --payload value: inline, @file (relative to cwd) or @- (stdin); JSON-checked unless raw. */
async function readPayload(option: string, io: CliIo, raw: boolean): Promise<string> {
  let text = option;
  let source = '--payload';
  if (option === '@-') {
    text = await io.readStdin();
    source = '--payload @- (stdin)';
  } else if (option.startsWith('@')) {
    const file = resolve(io.cwd, option.slice(1));
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--payload file ${file} ${describeReadError(err)}`);
    }
    source = `--payload file ${file}`;
  }
  if (!raw) {
    try {
      JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${source} is not valid JSON: ${describeJsonSyntaxError(err, text)} (fix it, or pass --raw to store it as is)`);
    }
  }
  return text;
}
