import type { ConsoleErrorHistory } from './console-source';

/**
 * The console's error history of a message, read from the tenant's store (QueueStore.errorHistory:
 * every failed attempt, oldest first; none for a message that never failed or does not exist).
 */
export const storeErrorHistory: ConsoleErrorHistory = {
  list: async (t, messageId) =>
    ((await t.store.errorHistory([messageId])).get(messageId) ?? []).map((e) => ({
      attempt: e.attempt,
      at: e.failedAt.toISOString(),
      error: e.error,
    })),
};
