/** The Priority column is a 32-bit INT on both dialects. */
const MIN_PRIORITY = -2_147_483_648;
const MAX_PRIORITY = 2_147_483_647;

/** NewMessage.priority as stored: null when not given, else an integer that fits the column (RangeError otherwise). */
export function checkedPriority(priority: number | null | undefined): number | null {
  if (priority === undefined || priority === null) return null;
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer between ${MIN_PRIORITY} and ${MAX_PRIORITY}, got ${priority}`);
  }
  return priority;
}
