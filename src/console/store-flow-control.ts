import type { PauseState } from '../store/types';
import type { ConsoleFlowControl, ConsoleTenant } from './console-source';

/** The worker's cached view of pause switches (PauseMonitor), when the console runs inside `tqw run`. */
export interface PauseView {
  get(tenantId: string): PauseState | undefined;
  set(tenantId: string, state: PauseState): void;
}

/**
 * The console's pause and resume, written to the tenant's own QueuePauses table (QueueStore.pause /
 * resume), so every worker of every replica honours them from its next claim. `view` (inside
 * `tqw run`): states are read from the worker's refreshed view (one statement per group and interval
 * instead of one per tenant and fleet refresh) and updated at once after an action.
 */
export function storeFlowControl(view?: PauseView): ConsoleFlowControl {
  const apply = async (t: ConsoleTenant, change: () => Promise<boolean>): Promise<void> => {
    await change();
    view?.set(t.tenant.id, await t.store.pauseState());
  };
  return {
    pause: (t, messageType) => apply(t, () => t.store.pause(messageType)),
    resume: (t, messageType) => apply(t, () => t.store.resume(messageType)),
    state: async (t) => view?.get(t.tenant.id) ?? t.store.pauseState(),
  };
}
