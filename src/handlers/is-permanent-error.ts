import { PermanentError } from '../errors';

/** The name and code a duck-typed permanent error carries (see isPermanentError). */
export const PERMANENT_ERROR_NAME = 'PermanentError';
export const PERMANENT_ERROR_CODE = 'TQW_PERMANENT_FAILURE';

/**
 * True when a handler's failure says "retrying cannot help": the message is then dead-lettered at
 * once instead of being retried.
 *
 * Recognised: an instance of the exported `PermanentError` class, and, because a handler module in
 * handlers.dir usually cannot `require('tenant-queue-worker')` (the package is not installed in its
 * folder's node_modules), any thrown object whose `name` is 'PermanentError' or whose `code` is
 * 'TQW_PERMANENT_FAILURE':
 *
 *   const err = new Error('payload has no productId'); err.name = 'PermanentError'; throw err;
 *
 * A plain Error (or one with an ad-hoc flag such as `permanent: true`) is an ordinary, retried failure.
 */
export function isPermanentError(err: unknown): boolean {
  if (err instanceof PermanentError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === PERMANENT_ERROR_NAME || code === PERMANENT_ERROR_CODE;
}
