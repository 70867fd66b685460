/**
 * The invariant checker itself (test/reliability/support/invariants.ts) on hand-made inputs: a
 * checker that cannot fail would make every scenario pass. Each violation it exists to catch is
 * planted once, and a clean input passes.
 */
import { checkInvariants, type InvariantInput } from './support/invariants';
import type { MessageState, TenantSnapshot } from './support/probe';
import type { Invocation } from './support/recorder';

const T0 = new Date('2026-01-01T00:00:00Z');

function message(id: string, type: string, status: MessageState['status'] = 'Completed'): MessageState {
  return { id, rowTenantId: 'a', type, status, attempts: 1, error: status === 'DeadLetter' ? 'dead' : null };
}

function invocation(messageId: string, pid: number): Invocation {
  return { messageId, tenantId: 'a', type: 'RecordExt', pid, attempt: 1, at: T0 };
}

/** Two transactional messages (pids 10 and 20) and two non-transactional ones (pid 10), all completed once. */
function clean(): InvariantInput {
  const tenant: TenantSnapshot = {
    tenant: 'a',
    messages: [message('tx1', 'RecordTx'), message('tx2', 'RecordTx'), message('ext1', 'RecordExt'), message('ext2', 'RecordExt')],
    effects: [
      { messageId: 'tx1', pid: 10, payloadBytes: 2, at: T0 },
      { messageId: 'tx2', pid: 20, payloadBytes: 2, at: T0 },
    ],
  };
  return {
    tenants: [tenant],
    invocations: [invocation('ext1', 10), invocation('ext2', 10)],
    duplicates: [],
    faults: [],
    survivors: [
      { pid: 10, label: 'p10', totals: { completed: 3, retried: 0, dead_lettered: 0 } },
      { pid: 20, label: 'p20', totals: { completed: 1, retried: 0, dead_lettered: 0 } },
    ],
    everyProcessSurvived: true,
  };
}

test('a clean run has no violations, and its figures add up', () => {
  const { violations, figures } = checkInvariants(clean());
  expect(violations).toEqual([]);
  expect(figures).toMatchObject({
    messages: 4,
    transactionalCompleted: 2,
    effects: 2,
    extMessages: 2,
    extInvocations: 2,
    extRepeatedInvocations: 0,
  });
});

test('a message left Pending, Failed or Processing is a violation', () => {
  const input = clean();
  input.tenants[0]!.messages.push(
    message('p', 'RecordTx', 'Pending'),
    message('f', 'RecordTx', 'Failed'),
    message('x', 'RecordExt', 'Processing'),
  );
  expect(checkInvariants(input).violations.join('\n')).toMatch(
    /3 message\(s\) not Completed\/DeadLetter \(\{"Pending":1,"Failed":1,"Processing":1\}\)/,
  );
});

test('a Completed transactional message without its effect, or an effect of a dead-lettered one, is a violation', () => {
  const input = clean();
  input.tenants[0]!.effects.pop();
  input.tenants[0]!.messages.push(message('dl', 'RecordTx', 'DeadLetter'));
  input.tenants[0]!.effects.push({ messageId: 'dl', pid: 10, payloadBytes: 2, at: T0 });
  const text = checkInvariants(input).violations.join('\n');
  expect(text).toMatch(/Completed RecordTx messages without their effect: tx2/);
  expect(text).toMatch(/effects of messages that were not completed by RecordTx: dl \(DeadLetter\)/);
});

test('an effect found already applied (a double apply attempt) is a violation', () => {
  const input = clean();
  input.duplicates.push({ messageId: 'tx1', tenantId: 'a', pid: 20 });
  expect(checkInvariants(input).violations.join('\n')).toMatch(/found its effect already applied 1 time\(s\): a\/tx1 pid 20/);
});

test('a repeated non-transactional invocation is allowed only for a message in flight at a fault', () => {
  const input = clean();
  input.invocations.push(invocation('ext1', 20));
  expect(checkInvariants(input).violations.join('\n')).toMatch(
    /repeated invocations not explained by a fault: ext1 invoked 2x \(pid 10 at .*, pid 20 at .*\), in flight at 0 fault\(s\)/,
  );
  input.faults.push({ kind: 'kill -9', at: T0, pids: [10], inflightExt: ['ext1'] });
  // Now explained by the fault; ext1 is last invoked by pid 20, so the metrics must say so too.
  input.survivors = [
    { pid: 10, label: 'p10', totals: { completed: 2, retried: 0, dead_lettered: 0 } },
    { pid: 20, label: 'p20', totals: { completed: 2, retried: 0, dead_lettered: 0 } },
  ];
  input.everyProcessSurvived = false;
  expect(checkInvariants(input).violations).toEqual([]);
  // More repeats than were in flight at the faults.
  input.invocations.push(invocation('ext1', 10));
  expect(checkInvariants(input).violations.join('\n')).toMatch(
    /2 repeated RecordExt invocations, more than the 1 in flight at the 1 fault\(s\)/,
  );
});

test('a surviving process whose /metrics disagree with what the tables say it completed is a violation', () => {
  const input = clean();
  input.survivors[1]!.totals.completed = 2;
  const text = checkInvariants(input).violations.join('\n');
  expect(text).toMatch(/p20: \/metrics says 2 completed, the tables say it completed 1/);
  expect(text).toMatch(/fleet \/metrics completed 5 != 4 Completed rows/);
});

test('dead-lettered rows must match the fleet total of dead_lettered when every process survived', () => {
  const input = clean();
  input.tenants[0]!.messages.push(message('gone', 'NoSuchType', 'DeadLetter'));
  expect(checkInvariants(input).violations.join('\n')).toMatch(/fleet \/metrics dead_lettered 0 != 1 DeadLetter rows/);
});

test('an effect of a LateWrite message (a write after its attempt ended) is a violation; an Unawaited message completed with one effect is not', () => {
  const input = clean();
  input.tenants[0]!.messages.push(message('late', 'LateWrite', 'DeadLetter'), message('una', 'Unawaited'));
  input.tenants[0]!.effects.push({ messageId: 'una', pid: 10, payloadBytes: 2, at: T0 });
  input.survivors[0]!.totals.completed += 1;
  input.survivors[0]!.totals.dead_lettered += 1;
  expect(checkInvariants(input).violations).toEqual([]);
  input.tenants[0]!.effects.push({ messageId: 'late', pid: 10, payloadBytes: 2, at: T0 });
  expect(checkInvariants(input).violations.join('\n')).toMatch(
    /effects of messages that were not completed by RecordTx: late \(type LateWrite\)/,
  );
});
