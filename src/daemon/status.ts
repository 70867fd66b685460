import type { HealthReport, StatusProvider, TenantHealth } from '../http/status-provider';
import type { PauseState } from '../store/types';
import type { Worker } from '../worker/worker';

/**
 * Bridges the worker's state to the HTTP server's /readyz and /healthz.
 * Ready = config and handlers loaded and the poll loop running. A tenant being down does not make
 * the process unready (restarting the pod would not bring that database back); it shows in /healthz.
 */
export class DaemonStatus implements StatusProvider {
  /** `pauses`: the last known pause switches of each tenant (PauseMonitor); absent: reported unknown (null). */
  constructor(
    private readonly worker: Worker,
    private readonly pauses?: { get(tenantId: string): PauseState | undefined },
  ) {}

  isReady(): { ready: boolean; reason?: string } {
    switch (this.worker.currentPhase) {
      case 'running':
        return { ready: true };
      case 'idle':
        return { ready: false, reason: 'starting' };
      default:
        return { ready: false, reason: 'draining' };
    }
  }

  health(): HealthReport {
    const phase = this.worker.currentPhase;
    const tenants: TenantHealth[] = this.worker.tenantStatuses().map((t) => ({
      id: t.id,
      store: t.store,
      state: t.state,
      lastSuccessfulPollAt: t.lastSuccessfulPollAt ? t.lastSuccessfulPollAt.toISOString() : null,
      consecutiveFailures: t.consecutiveFailures,
      inflight: t.inflight,
      lastError: t.lastError,
      paused: this.pauses?.get(t.id) ?? null,
    }));
    const status: HealthReport['status'] =
      phase === 'idle'
        ? 'starting'
        : phase === 'running'
          ? tenants.every((t) => t.state === 'up' || t.state === 'starting')
            ? 'ok'
            : 'degraded'
          : 'draining';
    return { status, tenants };
  }
}
