import { createHash } from 'node:crypto';

/**
 * The namespace of occurrence ids (a fixed random UUID): ids of other UUIDv5 users never collide
 * with ours. Never change it: replicas of different versions must derive the same id.
 */
export const OCCURRENCE_NAMESPACE = '4f0c6a52-3b8e-4d43-9a36-0d6c2f7a9e15';

/**
 * RFC 9562 UUID version 5: SHA-1 of the namespace's 16 bytes and the name's UTF-8, version and
 * variant bits set.
 */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new TypeError(`namespace must be a UUID, got '${namespace}'`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The message id of one occurrence of a schedule for one tenant: the same on every replica, so
 * the insert-if-absent of the second replica finds the first one's row. The name is a JSON array,
 * so no schedule or tenant name can make two different triples read alike.
 */
export function occurrenceId(schedule: string, tenantId: string, occurrence: Date): string {
  return uuidV5(OCCURRENCE_NAMESPACE, JSON.stringify([schedule, tenantId, occurrence.toISOString()]));
}
