/**
 * The worker's accounting (src/worker/message-ledger.ts): totals move with the tenants' counts, the
 * derived counts follow the stages, and audit() finds books that do not balance.
 */
import { MessageCounts, MessageLedger, type Counted } from '../../src/worker/message-ledger';

const tenant = (id: string): Counted => ({ id, counts: new MessageCounts() });

test('moves change one tenant and the total alike; claim room and unwritten outcomes follow the stages', () => {
  const ledger = new MessageLedger();
  const a = tenant('a');
  const b = tenant('b');
  ledger.add(a, 'claims', 1);
  ledger.add(a, 'reserved', 100);
  ledger.add(a, 'claims', -1);
  ledger.add(a, 'reserved', -100);
  ledger.add(a, 'buffered', 40);
  ledger.move(a, 'buffered', 'running', 10);
  ledger.move(a, 'running', 'completing', 4);
  ledger.move(a, 'completing', 'retrying', 1);
  ledger.move(a, 'buffered', 'releasing', 2);
  ledger.add(b, 'suspects', 1);
  expect(a.counts).toMatchObject({ buffered: 28, running: 6, completing: 3, retrying: 1, releasing: 2 });
  // Retrying and releasing messages take no claim room; every started or released one is unwritten.
  expect(a.counts.held).toBe(28 + 6 + 3);
  expect(a.counts.unwritten).toBe(6 + 3 + 1 + 2);
  expect(ledger.total.held).toBe(a.counts.held + b.counts.held);
  expect(ledger.audit([a, b])).toEqual([]);
  expect(a.counts.idle).toBe(false);
  expect(tenant('c').counts.idle).toBe(true);
});

test('audit reports a total that is not the sum over the tenants, and a negative count', () => {
  const ledger = new MessageLedger();
  const a = tenant('a');
  ledger.add(a, 'running', 1);
  a.counts.running -= 2; // a change that bypassed the ledger
  expect(ledger.audit([a])).toEqual(['tenant a: running is -1', "total running is 1, the tenants' sum -1"]);
  // A tenant the worker forgot while it still had messages: its share is missing from the sum.
  const forgotten = tenant('f');
  ledger.add(forgotten, 'completing', 3);
  expect(ledger.audit([])).toContain("total completing is 3, the tenants' sum 0");
});
