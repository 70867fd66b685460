import { PayloadTooLargeError } from '../errors';

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/**
 * The error for a Payload over `limit` UTF-8 bytes, or undefined when it fits. Used by the worker
 * before it parses a claimed payload and by the producers before they insert one. A payload short
 * enough to fit whatever its characters is not measured (the common case costs one comparison).
 */
export function payloadTooLarge(payload: string, limit: number, messageType: string): PayloadTooLargeError | undefined {
  if (payload.length * MAX_UTF8_BYTES_PER_UNIT <= limit) return undefined;
  const bytes = Buffer.byteLength(payload, 'utf8');
  return bytes > limit ? new PayloadTooLargeError(bytes, limit, messageType) : undefined;
}
