/**
 * Quarantine keeps the messages taken over from an expired lease until each has run alone: active
 * while one waits or runs, in arrival order, and a tenant's waiting ones can be taken back (to be
 * released) without touching the other tenants'.
 */
import type { ClaimedMessage } from '../../src/store/types';
import { Quarantine, type Suspect } from '../../src/worker/quarantine';
import type { TenantSlot } from '../../src/worker/tenant-slot';

// Quarantine only compares slots by identity and carries rows through: plain objects stand in.
const slotA = { id: 'a' } as TenantSlot;
const slotB = { id: 'b' } as TenantSlot;
const suspect = (slot: TenantSlot, id: string): Suspect => ({ slot, row: { id, reclaimed: true } as unknown as ClaimedMessage, claimedAt: 1 });
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

test("take(slot) removes only that tenant's waiting suspects; take(undefined) removes all", () => {
  const q = new Quarantine();
  for (const [slot, id] of [[slotA, '1'], [slotB, '2'], [slotA, '3'], [slotB, '4']] as const) q.admit(suspect(slot, id));
  expect(ids(q.take(slotA))).toEqual(['1', '3']);
  expect(ids(q.take(slotA))).toEqual([]);
  expect(q.active).toBe(true);
  expect(ids(q.take(undefined))).toEqual(['2', '4']);
  expect(q.active).toBe(false);
});
