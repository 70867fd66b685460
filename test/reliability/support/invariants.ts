/**
 * The one invariant checker of every reliability scenario. Given the final state of every tenant, what
 * the handlers recorded, the faults injected, and the /metrics of the processes that lived to the end:
 *
 * 1. Final states: every message is Completed or DeadLetter (none Pending, Failed or Processing).
 * 2. Transactional effects exactly once: a Completed RecordTx (or Unawaited) message has exactly one
 *    row in "ReliabilityEffects" (the primary key forbids two), a dead-lettered one none, no message of
 *    another type has one (LateWrite's writes after its attempt ended must never land), no effect exists
 *    without its message, and the handler never found its effect already applied (recorder `duplicates`).
 * 3. Non-transactional repeats are explained by faults: a RecordExt message invoked k > 1 times was in
 *    flight (in the fault's snapshot of Processing rows) at >= k - 1 faults, so the repeated invocations
 *    are at most what was in flight at the faults.
 * 4. Metrics agree with the table: for each process that survived to the end, the sum of
 *    tqw_messages_processed_total{outcome="completed"} equals the messages it completed (effects it
 *    committed, RecordExt messages it invoked last); when no process was killed or crashed, the fleet's
 *    totals of completed and dead_lettered equal the table's.
 */
import type { ProcessedTotals } from './metrics';
import type { TenantSnapshot } from './probe';
import type { Invocation } from './recorder';

export const TX_TYPE = 'RecordTx';
/**
 * Transactional types whose Completed messages have exactly one effect and whose other messages
 * have none. Any other type (e.g. LateWrite, whose writes come after its attempt ended) may have
 * no effect at all.
 */
export const EFFECT_TYPES: ReadonlySet<string> = new Set([TX_TYPE, 'Unawaited']);
export const EXT_TYPE = 'RecordExt';

export type FaultKind = 'kill -9' | 'crash' | 'database restart' | 'database crash' | 'shutdown deadline' | 'tenant outage';

export interface Fault {
  kind: FaultKind;
  at: Date;
  /** Processes it hit (empty when it hit the database). */
  pids: number[];
  /** RecordExt messages in Processing at the fault: a superset of the invocations it interrupted. */
  inflightExt: readonly string[];
}

export interface SurvivorMetrics {
  pid: number;
  label: string;
  totals: ProcessedTotals;
}

export interface InvariantInput {
  tenants: TenantSnapshot[];
  invocations: Invocation[];
  duplicates: Array<{ messageId: string; tenantId: string; pid: number }>;
  faults: Fault[];
  survivors: SurvivorMetrics[];
  /** True when no process was killed or crashed: then fleet totals must equal table totals. */
  everyProcessSurvived: boolean;
}

export interface InvariantFigures {
  messages: number;
  byStatus: Record<string, number>;
  transactionalCompleted: number;
  effects: number;
  duplicateEffects: number;
  extMessages: number;
  extInvocations: number;
  extRepeatedInvocations: number;
  inflightAtFaults: number;
  faults: number;
  processesCheckedAgainstMetrics: number;
  /** Distinct dead-letter reasons (ErrorMessage with ids and numbers blanked), with counts. */
  deadLetterReasons: Record<string, number>;
}

export interface InvariantReport {
  figures: InvariantFigures;
  violations: string[];
}

const FINAL = new Set(['Completed', 'DeadLetter']);

export function checkInvariants(input: InvariantInput): InvariantReport {
  const violations: string[] = [];
  const sample = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, ... (${ids.length})` : ''}`;
  const byStatus: Record<string, number> = {};
  let messages = 0;
  let transactionalCompleted = 0;
  let effects = 0;
  const completedBy = new Map<number, number>();
  const addCompleted = (pid: number) => completedBy.set(pid, (completedBy.get(pid) ?? 0) + 1);

  const invocationsOf = new Map<string, Invocation[]>();
  for (const inv of input.invocations) {
    const list = invocationsOf.get(inv.messageId) ?? [];
    list.push(inv);
    invocationsOf.set(inv.messageId, list);
  }
  const faultsHolding = new Map<string, number>();
  for (const fault of input.faults) for (const id of fault.inflightExt) faultsHolding.set(id, (faultsHolding.get(id) ?? 0) + 1);

  let extMessages = 0;
  let extInvocations = 0;
  let extRepeated = 0;
  let totalCompleted = 0;
  let totalDeadLetter = 0;
  const deadLetterReasons: Record<string, number> = {};

  for (const tenant of input.tenants) {
    const at = (what: string) => `tenant ${tenant.tenant}: ${what}`;
    const notFinal = tenant.messages.filter((m) => !FINAL.has(m.status));
    if (notFinal.length > 0) {
      const counts = countBy(notFinal.map((m) => m.status));
      violations.push(
        at(
          `${notFinal.length} message(s) not Completed/DeadLetter (${JSON.stringify(counts)}): ${sample(notFinal.map((m) => `${m.id} ${m.type} ${m.status}`))}`,
        ),
      );
    }
    const effectOf = new Map(tenant.effects.map((e) => [e.messageId, e]));
    const messageIds = new Set(tenant.messages.map((m) => m.id));
    effects += tenant.effects.length;
    const orphans = tenant.effects.filter((e) => !messageIds.has(e.messageId)).map((e) => e.messageId);
    if (orphans.length) violations.push(at(`effects without a message: ${sample(orphans)}`));

    const missing: string[] = [];
    const unwanted: string[] = [];
    const unexplained: string[] = [];
    const neverInvoked: string[] = [];
    for (const m of tenant.messages) {
      messages += 1;
      byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
      if (m.status === 'Completed') totalCompleted += 1;
      if (m.status === 'DeadLetter') {
        totalDeadLetter += 1;
        const reason = reasonOf(m.error);
        deadLetterReasons[reason] = (deadLetterReasons[reason] ?? 0) + 1;
      }
      const effect = effectOf.get(m.id);
      if (EFFECT_TYPES.has(m.type)) {
        if (m.status === 'Completed') {
          transactionalCompleted += 1;
          if (!effect) missing.push(m.id);
          else addCompleted(effect.pid);
        } else if (effect) unwanted.push(`${m.id} (${m.status})`);
      } else if (effect) unwanted.push(`${m.id} (type ${m.type})`);

      if (m.type === EXT_TYPE) {
        extMessages += 1;
        const calls = invocationsOf.get(m.id) ?? [];
        extInvocations += calls.length;
        if (m.status === 'Completed') {
          if (calls.length === 0) neverInvoked.push(m.id);
          else addCompleted(calls[calls.length - 1]!.pid);
        }
        const repeats = Math.max(0, calls.length - 1);
        extRepeated += repeats;
        if (repeats > (faultsHolding.get(m.id) ?? 0)) {
          const when = calls.map((c) => `pid ${c.pid} at ${c.at.toISOString()}`).join(', ');
          unexplained.push(`${m.id} invoked ${calls.length}x (${when}), in flight at ${faultsHolding.get(m.id) ?? 0} fault(s)`);
        }
      }
    }
    if (missing.length) violations.push(at(`Completed ${TX_TYPE} messages without their effect: ${sample(missing)}`));
    if (unwanted.length) violations.push(at(`effects of messages that were not completed by ${TX_TYPE}: ${sample(unwanted)}`));
    if (neverInvoked.length) violations.push(at(`Completed ${EXT_TYPE} messages never invoked: ${sample(neverInvoked)}`));
    if (unexplained.length) violations.push(at(`${EXT_TYPE} repeated invocations not explained by a fault: ${sample(unexplained)}`));
  }

  if (input.duplicates.length) {
    violations.push(
      `the transactional handler found its effect already applied ${input.duplicates.length} time(s): ${sample(input.duplicates.map((d) => `${d.tenantId}/${d.messageId} pid ${d.pid}`))}`,
    );
  }
  const inflightAtFaults = input.faults.reduce((n, f) => n + f.inflightExt.length, 0);
  if (extRepeated > inflightAtFaults) {
    violations.push(
      `${extRepeated} repeated ${EXT_TYPE} invocations, more than the ${inflightAtFaults} in flight at the ${input.faults.length} fault(s)`,
    );
  }

  for (const s of input.survivors) {
    const fromTable = completedBy.get(s.pid) ?? 0;
    if (s.totals.completed !== fromTable) {
      violations.push(`${s.label}: /metrics says ${s.totals.completed} completed, the tables say it completed ${fromTable}`);
    }
  }
  if (input.everyProcessSurvived) {
    const sum = (k: keyof ProcessedTotals) => input.survivors.reduce((n, s) => n + s.totals[k], 0);
    if (sum('completed') !== totalCompleted)
      violations.push(`fleet /metrics completed ${sum('completed')} != ${totalCompleted} Completed rows`);
    if (sum('dead_lettered') !== totalDeadLetter)
      violations.push(`fleet /metrics dead_lettered ${sum('dead_lettered')} != ${totalDeadLetter} DeadLetter rows`);
  }

  return {
    violations,
    figures: {
      messages,
      byStatus,
      transactionalCompleted,
      effects,
      duplicateEffects: input.duplicates.length,
      extMessages,
      extInvocations,
      extRepeatedInvocations: extRepeated,
      inflightAtFaults,
      faults: input.faults.length,
      processesCheckedAgainstMetrics: input.survivors.length,
      deadLetterReasons,
    },
  };
}

/** An ErrorMessage as a reason: uuids, pids and numbers blanked so equal causes group together. */
export function reasonOf(error: string | null): string {
  if (error === null) return '(no ErrorMessage)';
  return error
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\d+/g, 'N')
    .slice(0, 300);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
