/**
 * The console's reads and operator actions over the tenants' stores, independent of HTTP: what the
 * JSON API routes call. Every action is written as one audit log line (action, tenant(s), ids or
 * filter, count, client address). Texts that leave the process (error messages, payloads) pass the
 * redactor, so no connection string or password reaches a response.
 */
import type { Logger } from 'pino';
import { mapSettledLimit } from '../cli/map-limit';
import { ConsoleUnavailableError, describeError } from '../errors';
import { UUID_TEXT } from '../store/message-id';
import {
  MAX_LIST_LIMIT,
  MESSAGE_STATUSES,
  OPERATOR_STATUSES,
  type DeadLetterFilter,
  type MessageStatus,
  type QueueMessageRow,
} from '../store/types';
import type { ConsoleSource, ConsoleTenant, ErrorHistoryEntry } from './console-source';
import type { FleetMonitor } from './fleet-monitor';

/** A request the console refuses, with the HTTP status to answer. */
export class ConsoleRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Rows per bulk statement (each repeated until fewer come back). */
export const BULK_BATCH = 500;
/** Tenants worked on at once by actions across tenants. */
const TENANT_CONCURRENCY = 8;
export const DEFAULT_PAGE = 50;

export interface MessageView {
  id: string;
  tenantId: string;
  messageType: string;
  status: MessageStatus;
  payload: string;
  scheduledTime: string;
  dequeueTime: string | null;
  processingAttempts: number;
  lastAttemptTime: string | null;
  errorMessage: string | null;
  correlationId: string | null;
  createdAt: string;
}

export interface BulkFilter {
  tenants?: string[];
  messageType?: string;
  errorContains?: string;
}

export class ConsoleActions {
  constructor(
    private readonly source: ConsoleSource,
    private readonly fleet: FleetMonitor,
    private readonly logger: Logger,
    private readonly redact: (text: string) => string,
  ) {}

  tenant(id: string): ConsoleTenant {
    const found = this.source.tenants().find((t) => t.tenant.id === id);
    if (!found) throw new ConsoleRequestError(404, `no tenant '${id}'`);
    return found;
  }

  view(row: QueueMessageRow): MessageView {
    return {
      id: row.id,
      tenantId: row.tenantId,
      messageType: row.messageType,
      status: row.status,
      payload: this.redact(row.payload),
      scheduledTime: row.scheduledTime.toISOString(),
      dequeueTime: row.dequeueTime?.toISOString() ?? null,
      processingAttempts: row.processingAttempts,
      lastAttemptTime: row.lastAttemptTime?.toISOString() ?? null,
      errorMessage: row.errorMessage === null ? null : this.redact(row.errorMessage),
      correlationId: row.correlationId,
      createdAt: row.createdAt.toISOString(),
    };
  }

  async listMessages(tenantId: string, params: URLSearchParams): Promise<{ messages: MessageView[]; nextCursor: string | null }> {
    const t = this.tenant(tenantId);
    const status = optional(params.get('status'));
    if (status !== undefined && !MESSAGE_STATUSES.includes(status as MessageStatus)) {
      throw new ConsoleRequestError(400, `status must be one of ${MESSAGE_STATUSES.join(', ')}`);
    }
    const limit = pageSize(params.get('limit'));
    const q = optional(params.get('q'));
    const cursor = optional(params.get('cursor'));
    const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
    const rows = await this.store(t, (s) =>
      s.listMessages({
        status: status as MessageStatus | undefined,
        messageType: optional(params.get('type')),
        search: q,
        afterId,
        limit,
      }),
    );
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { messages: rows.map((r) => this.view(r)), nextCursor: last ? encodeCursor(last.id) : null };
  }

  async message(tenantId: string, id: string): Promise<{ message: MessageView; errors: ErrorHistoryEntry[] | null; note?: string }> {
    const t = this.tenant(tenantId);
    checkId(id);
    const row = await this.store(t, (s) => s.getMessage(id));
    if (!row) throw new ConsoleRequestError(404, `no message ${id} in tenant '${tenantId}'`);
    const history = this.source.errorHistory;
    if (!history) {
      return {
        message: this.view(row),
        errors: null,
        note: 'error history is not available in this version: the last error is errorMessage',
      };
    }
    const errors = await this.store(t, () => history.list(t, id));
    return { message: this.view(row), errors: errors.map((e) => ({ ...e, error: this.redact(e.error) })) };
  }

  /** requeue or delete of one message; 404 when it does not exist, 409 when its status does not allow it. */
  async messageAction(action: 'requeue' | 'delete', tenantId: string, id: string, client: string): Promise<{ count: number }> {
    const t = this.tenant(tenantId);
    checkId(id);
    const done = await this.store(t, (s) =>
      action === 'requeue' ? s.requeueMessage(id, OPERATOR_STATUSES) : s.deleteMessage(id, OPERATOR_STATUSES),
    );
    this.audit({ action: `message.${action}`, tenant: tenantId, ids: [id], count: done ? 1 : 0, client });
    if (!done) {
      const row = await this.store(t, (s) => s.getMessage(id));
      if (!row) throw new ConsoleRequestError(404, `no message ${id} in tenant '${tenantId}'`);
      throw new ConsoleRequestError(
        409,
        `message ${id} is ${row.status}: only ${OPERATOR_STATUSES.join(', ')} messages can be ${action === 'requeue' ? 'requeued' : 'deleted'}` +
          (row.status === 'Processing' ? ' (a worker holds it)' : ''),
        { status: row.status },
      );
    }
    void this.fleet.refresh();
    return { count: 1 };
  }

  /** Dead letters across tenants (only tenants the last refresh saw holding some), newest first per tenant. */
  async deadLetters(
    params: URLSearchParams,
  ): Promise<{ deadLetters: MessageView[]; tenantsWithDeadLetters: number; errors: Array<{ tenant: string; error: string }> }> {
    const limit = pageSize(params.get('limit'));
    const type = optional(params.get('type'));
    const errorText = optional(params.get('error'))?.toLowerCase();
    const only = optional(params.get('tenant'));
    const counted = new Map(this.fleet.snapshot().tenants.map((s) => [s.id, s.counts?.DeadLetter ?? null]));
    const tenants = this.source.tenants().filter((t) => (only === undefined || t.tenant.id === only) && counted.get(t.tenant.id) !== 0);
    const found: MessageView[] = [];
    const errors: Array<{ tenant: string; error: string }> = [];
    const results = await mapSettledLimit(tenants, TENANT_CONCURRENCY, (t) => t.store.listDeadLetters(MAX_LIST_LIMIT));
    tenants.forEach((t, i) => {
      const r = results[i] as (typeof results)[number];
      if (r.status === 'rejected') errors.push({ tenant: t.tenant.id, error: this.redact(describeError(r.reason)) });
      else {
        for (const row of r.value) {
          if (type !== undefined && row.messageType !== type) continue;
          if (errorText !== undefined && !(row.errorMessage ?? '').toLowerCase().includes(errorText)) continue;
          found.push(this.view(row));
        }
      }
    });
    found.sort((a, b) => (b.lastAttemptTime ?? b.createdAt).localeCompare(a.lastAttemptTime ?? a.createdAt));
    return { deadLetters: found.slice(0, limit), tenantsWithDeadLetters: tenants.length, errors };
  }

  /** Bulk requeue or delete of the dead letters matching `filter`, across the tenants it names (default: all). */
  async bulkDeadLetters(action: 'requeue' | 'delete', filter: BulkFilter, client: string) {
    const tenants = filter.tenants === undefined ? [...this.source.tenants()] : filter.tenants.map((id) => this.tenant(id));
    const storeFilter: DeadLetterFilter = { messageType: filter.messageType, errorContains: filter.errorContains };
    const results = await mapSettledLimit(tenants, TENANT_CONCURRENCY, async (t) => {
      let total = 0;
      for (;;) {
        const n =
          action === 'requeue'
            ? await t.store.requeueDeadLettersMatching(storeFilter, BULK_BATCH)
            : await t.store.deleteDeadLettersMatching(storeFilter, BULK_BATCH);
        total += n;
        if (n < BULK_BATCH) return total;
      }
    });
    const perTenant = tenants.map((t, i) => {
      const r = results[i] as (typeof results)[number];
      return r.status === 'fulfilled'
        ? { tenant: t.tenant.id, count: r.value }
        : { tenant: t.tenant.id, count: 0, error: this.redact(describeError(r.reason)) };
    });
    const count = perTenant.reduce((sum, r) => sum + r.count, 0);
    this.audit({
      action: `dead-letters.${action}`,
      tenant: filter.tenants ?? 'all',
      filter: { messageType: filter.messageType ?? null, errorContains: filter.errorContains ?? null },
      count,
      client,
    });
    void this.fleet.refresh();
    return { count, tenants: perTenant.filter((r) => r.count > 0 || 'error' in r) };
  }

  async pauseAction(action: 'pause' | 'resume', tenantId: string, messageType: string | undefined, client: string): Promise<{ ok: true }> {
    const t = this.tenant(tenantId);
    const flow = this.source.flowControl;
    if (!flow) {
      throw new ConsoleUnavailableError(`${action} is not available: this version has no flow control (pause/resume) for tenants`);
    }
    await this.store(t, () => (action === 'pause' ? flow.pause(t, messageType) : flow.resume(t, messageType)));
    this.audit({ action: `tenant.${action}`, tenant: tenantId, filter: { messageType: messageType ?? null }, count: 1, client });
    void this.fleet.refresh();
    return { ok: true };
  }

  /** An action refused (read-only mode): logged as well, so the audit trail shows the attempt. */
  refused(action: string, client: string, reason: string): void {
    this.logger.warn({ audit: true, action, client, outcome: 'refused', reason }, 'console action refused');
  }

  private audit(entry: {
    action: string;
    tenant: string | string[];
    ids?: string[];
    filter?: Record<string, unknown>;
    count: number;
    client: string;
  }): void {
    this.logger.info({ audit: true, ...entry }, 'console action');
  }

  /** Runs a store call; a database failure becomes a 502 naming the tenant, redacted. */
  private async store<T>(t: ConsoleTenant, fn: (store: ConsoleTenant['store']) => Promise<T>): Promise<T> {
    try {
      return await fn(t.store);
    } catch (err) {
      if (err instanceof ConsoleRequestError || err instanceof ConsoleUnavailableError) throw err;
      throw new ConsoleRequestError(502, `tenant '${t.tenant.id}' (${t.store.tableName}): ${this.redact(describeError(err))}`);
    }
  }
}

function optional(value: string | null): string | undefined {
  return value === null || value.trim() === '' ? undefined : value.trim();
}

function pageSize(raw: string | null): number {
  if (raw === null || raw === '') return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LIMIT)
    throw new ConsoleRequestError(400, `limit must be an integer between 1 and ${MAX_LIST_LIMIT}`);
  return n;
}

function checkId(id: string): void {
  if (!UUID_TEXT.test(id)) throw new ConsoleRequestError(400, 'a message id is a uuid');
}

/** The cursor is the last id of a page, base64url-encoded (opaque to clients). */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!UUID_TEXT.test(id)) throw new ConsoleRequestError(400, 'cursor is not one this console returned');
  return id.toLowerCase();
}
