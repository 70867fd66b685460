/**
 * What the console needs from the process it runs in, as a small interface so `tqw console` (stores
 * only) and `tqw run` (stores plus the worker's view) provide it the same way, and tests can give
 * real stores directly.
 */
import type { TenantHealth } from '../http/status-provider';
import type { PauseState, QueueStore } from '../store/types';
import type { Tenant } from '../tenants/types';

export interface ConsoleTenant {
  tenant: Tenant;
  store: QueueStore;
}

export type { PauseState } from '../store/types';

/** One recorded failed attempt of a message. */
export interface ErrorHistoryEntry {
  attempt: number;
  at: string;
  error: string;
}

/**
 * Flow control of tenants (pause/resume; store-flow-control.ts). Optional: without it the console's
 * pause and resume answer 501 (TQW_CONSOLE_UNAVAILABLE) and the fleet shows `paused: null` (unknown).
 */
export interface ConsoleFlowControl {
  pause(t: ConsoleTenant, messageType: string | undefined): Promise<void>;
  resume(t: ConsoleTenant, messageType: string | undefined): Promise<void>;
  state(t: ConsoleTenant): Promise<PauseState>;
}

/** Error history of a message. Optional: without it a message's detail carries `errors: null` and a note. */
export interface ConsoleErrorHistory {
  list(t: ConsoleTenant, messageId: string): Promise<ErrorHistoryEntry[]>;
}

export interface ConsoleSource {
  /** The current tenants (follows tenant-map reloads). */
  tenants(): readonly ConsoleTenant[];
  /** The worker's view of its tenants when the console runs inside `tqw run`. */
  health?(): readonly TenantHealth[];
  flowControl?: ConsoleFlowControl;
  errorHistory?: ConsoleErrorHistory;
}
