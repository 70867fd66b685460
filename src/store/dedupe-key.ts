/** DedupeKey is NVARCHAR(255) / varchar(255). */
const MAX_DEDUPE_KEY_LENGTH = 255;

/** Insert-or-find rounds of a deduplicated enqueue before giving up (the key's holder completing each time). */
export const MAX_DEDUPE_ROUNDS = 3;

/** NewMessage.dedupeKey as stored: null when not given, else a non-empty string of at most 255 characters. */
export function checkedDedupeKey(key: string | null | undefined): string | null {
  if (key === undefined || key === null) return null;
  if (typeof key !== 'string' || key === '' || key.length > MAX_DEDUPE_KEY_LENGTH) {
    throw new TypeError(`dedupeKey must be a non-empty string of at most ${MAX_DEDUPE_KEY_LENGTH} characters`);
  }
  return key;
}
