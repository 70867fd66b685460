/**
 * Quarantine keeps the messages taken over from an expired lease until each has run alone: active
 * while one waits or runs, in arrival order, and a tenant's waiting ones can be taken back (to be
 * released) without touching the other tenants'.
 */
import type { ClaimedMessage } from '../../src/store/types';
import { Quarantine, type Suspect } from '../../src/worker/quarantine';
import type { WorkerTenant } from '../../src/worker/worker-tenant';

// Quarantine only compares tenants by identity and carries rows through: plain objects stand in.
const slotA = { id: 'a' } as WorkerTenant;
const slotB = { id: 'b' } as WorkerTenant;
const suspect = (tenant: WorkerTenant, id: string): Suspect => ({
  tenant,
  row: { id, reclaimed: true } as unknown as ClaimedMessage,
  claimedAt: 1,
});
const ids = (list: Suspect[]) => list.map((s) => s.row.id);

test('active while a suspect waits or runs; suspects come out in arrival order', () => {
  const q = new Quarantine();
  expect(q.active).toBe(false);
  q.admit(suspect(slotA, '1'));
  q.admit(suspect(slotB, '2'));
  expect(q.active).toBe(true);
  expect(q.isRunning).toBe(false);
  expect(q.shift()?.row.id).toBe('1');
  const finished = q.started();
  expect(q.isRunning).toBe(true);
  expect(q.shift()?.row.id).toBe('2');
  expect(q.active).toBe(true); // the first still runs
  finished();
  expect(q.isRunning).toBe(false);
  expect(q.active).toBe(false);
  expect(q.shift()).toBeUndefined();
});

test("take(tenant) removes only that tenant's waiting suspects; take(undefined) removes all", () => {
  const q = new Quarantine();
  for (const [tenant, id] of [
    [slotA, '1'],
    [slotB, '2'],
    [slotA, '3'],
    [slotB, '4'],
  ] as const)
    q.admit(suspect(tenant, id));
  expect(ids(q.take(slotA))).toEqual(['1', '3']);
  expect(ids(q.take(slotA))).toEqual([]);
  expect(q.active).toBe(true);
  expect(ids(q.take(undefined))).toEqual(['2', '4']);
  expect(q.active).toBe(false);
});
