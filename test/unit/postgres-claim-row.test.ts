/**
 * The claim's rows as arrays (src/store/postgres/row-mapper.ts): mapped by the positions of
 * CLAIM_COLUMNS, and an answer whose columns differ from that list refused as a store bug.
 * (Every claim against the real server goes through both: test/store.)
 */
import { CLAIM_COLUMNS } from '../../src/store/postgres/sql/claim';
import { checkClaimColumns, toClaimedMessage } from '../../src/store/postgres/row-mapper';

const values: Record<(typeof CLAIM_COLUMNS)[number], unknown> = {
  Id: '0190a6f1-0000-7000-8000-000000000001',
  TenantId: 'acme',
  MessageType: 'ProductUpdate',
  Payload: '{"a":1}',
  ScheduledTime: new Date('2026-11-24T20:00:00.000Z'),
  DequeueTime: new Date('2026-11-24T21:00:00.123Z'),
  ProcessingAttempts: 2,
  ErrorMessage: 'earlier failure',
  CorrelationId: null,
  CreatedAt: new Date('2026-11-24T19:00:00.000Z'),
  Priority: 3,
  SnoozeCount: 4,
  TqwReclaimed: true,
};
const row = () => CLAIM_COLUMNS.map((name) => values[name]);

describe('claimed rows', () => {
  test('map by column position; Status and LastAttemptTime come from the claim itself', () => {
    expect(toClaimedMessage(row())).toEqual({
      id: values.Id,
      tenantId: 'acme',
      messageType: 'ProductUpdate',
      payload: '{"a":1}',
      scheduledTime: values.ScheduledTime,
      dequeueTime: values.DequeueTime,
      processingAttempts: 2,
      lastAttemptTime: values.DequeueTime,
      status: 'Processing',
      errorMessage: 'earlier failure',
      correlationId: null,
      createdAt: values.CreatedAt,
      priority: 3,
      snoozeCount: 4,
      reclaimed: true,
    });
    const fresh = row();
    fresh[CLAIM_COLUMNS.indexOf('TqwReclaimed')] = false;
    expect(toClaimedMessage(fresh).reclaimed).toBe(false);
    const broken = row();
    broken[CLAIM_COLUMNS.indexOf('DequeueTime')] = null;
    expect(() => toClaimedMessage(broken)).toThrow(/without a DequeueTime \(store bug\)/);
  });

  test('an answer with other columns, or the same in another order, is refused', () => {
    const fields = CLAIM_COLUMNS.map((name) => ({ name }));
    expect(() => checkClaimColumns(fields)).not.toThrow();
    const swapped = [fields[1]!, fields[0]!, ...fields.slice(2)];
    expect(() => checkClaimColumns(swapped)).toThrow(/expected Id, TenantId, .* \(store bug\)/);
    expect(() => checkClaimColumns(fields.slice(0, -1))).toThrow(/store bug/);
    expect(() => checkClaimColumns([...fields, { name: 'Status' }])).toThrow(/store bug/);
  });
});
