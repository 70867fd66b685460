import type { WorkerOptions } from './options';
import type { WorkerTenant } from './worker-tenant';
import { ThroughputMeter } from './throughput-meter';

/**
 * Most claims of one tenant in flight at once. One: claims of the same queue that overlap collide
 * on the same rows. The second scans the first one's rows, finds them locked or, once the first
 * commits, updated, and re-checks each (SKIP LOCKED, then PostgreSQL's re-evaluation of an updated
 * row) before it reaches free ones, so server time per claimed row grows with each claim in
 * flight; big claims and the local queue (worker.batchSize, worker.prefetch) keep one claim stream
 * ahead of the handlers instead. The planner still supports more (claims that come back full may
 * overlap up to this many). Figures: docs/performance.md, "One claim in flight per tenant".
 */
export const MAX_CLAIMS_PER_TENANT = 1;

/**
 * The prefetch (local queue) holds about what the handlers start in this long, between
 * worker.concurrency and worker.prefetch messages: a few claim round trips' worth at full speed,
 * one message per handler slot when handlers are slow.
 */
export const PREFETCH_HORIZON_MS = 250;

/**
 * Smallest claim a tenant's fair share is cut to: below it a statement per handful of rows costs
 * more than the fairness it buys. Figures: docs/performance.md, "Fair shares of at least 50 rows".
 */
export const MIN_FAIR_CLAIM = 50;

/**
 * How many messages to claim, and from which tenants: the sizing and fairness half of the
 * worker's loop (the worker runs the claims).
 *
 * - Room: concurrency + the adaptive prefetch (prefetchRoom) - messages claimed and not finished.
 *   With one tenant due, messages whose outcome is being written (e.g. in a batched completion) do
 *   not count: they hold no handler slot, and counting them made the claims shrink while a
 *   completion was on its way. With several due they count: the room then also paces many
 *   tenants' claims against the completions they cause on the shared pool, which keeps the
 *   slowest tenant close to the median. Their number is capped by the worker either way.
 *   Figures: docs/performance.md, "Room and messages being completed".
 * - Free room is offered to due active tenants round-robin, starting after the tenant served
 *   last, one claim per tenant per pass; a tenant whose last claim came back full may have up to
 *   MAX_CLAIMS_PER_TENANT claims in flight (one: overlapping claims of a queue collide, see there;
 *   big claims and the local queue keep the handlers fed instead).
 * - Fair shares: when several tenants are due, each claim is at most the room divided among them
 *   (at least MIN_FAIR_CLAIM), so a hundred busy tenants get the room in even slices instead of the
 *   first few taking batchSize each and finishing long before the rest.
 * - Claims are sized by the room, at most batchSize (and tenantConcurrency per tenant). Small
 *   claims are avoided where they buy nothing: no second claim of a tenant below a full batch, and
 *   no small top-up while the tenant still has `concurrency` messages buffered.
 */
export class ClaimPlanner {
  private cursor = 0;
  /** Messages started per second: sizes the prefetch. */
  private readonly throughput: ThroughputMeter;

  /** `now`: when the rate measurement starts (default: now). */
  constructor(
    private readonly options: WorkerOptions,
    now: number = Date.now(),
  ) {
    // A partial window counts once twice the handler slots have started in it (see ThroughputMeter).
    this.throughput = new ThroughputMeter(now, 2 * options.concurrency);
  }

  /** A message started (feeds the rate the prefetch follows). */
  started(): void {
    this.throughput.record();
  }

  /**
   * Messages to claim ahead of free handler slots: what the handlers start in PREFETCH_HORIZON_MS
   * at the current rate, at least one per handler slot, at most worker.prefetch. Adaptive so a
   * fast queue (no-op handlers, tens of thousands per second) claims in big batches, while slow
   * handlers do not hoard messages other workers could run, nor keep them waiting in the buffer.
   */
  prefetchRoom(now: number): number {
    const { prefetch, concurrency } = this.options;
    if (prefetch === 0) return 0;
    const wanted = Math.ceil((this.throughput.perSecond(now) * PREFETCH_HORIZON_MS) / 1000);
    return Math.min(prefetch, Math.max(concurrency, wanted));
  }

  /**
   * Offers the free room to the due tenants of `active`, calling `claim(tenant, limit)` for each
   * claim at once (it must count the claim in the tenant's counts before returning). `held`: messages
   * claimed and not finished, all tenants, of which `completing` have finished their handler and
   * wait for their outcome to be written; `blocked`: claim nothing now. Returns the earliest
   * future poll time of a tenant not yet due.
   */
  offer(
    now: number,
    active: readonly WorkerTenant[],
    held: number,
    completing: number,
    blocked: boolean,
    claim: (tenant: WorkerTenant, limit: number) => void,
  ): number {
    const { concurrency, tenantConcurrency, batchSize } = this.options;
    let earliest = Infinity;
    const count = active.length;
    if (count === 0) return earliest;
    let lastServed = -1;
    let due = 0;
    for (const tenant of active) if (tenant.nextPollAt <= now) due += 1;
    let room = blocked ? 0 : concurrency + this.prefetchRoom(now) - (due > 1 ? held : held - completing);
    const share = due > 1 ? Math.max(MIN_FAIR_CLAIM, Math.ceil(room / due)) : Infinity;
    for (let pass = 0; pass < MAX_CLAIMS_PER_TENANT && room > 0; pass++) {
      let served = false;
      for (let i = 0; i < count && room > 0; i++) {
        const index = (this.cursor + i) % count;
        const tenant = active[index] as WorkerTenant;
        const claims = tenant.counts.claims;
        if (claims >= (tenant.lastClaimFull ? MAX_CLAIMS_PER_TENANT : 1) || claims > pass) continue;
        if (tenant.nextPollAt > now) {
          earliest = Math.min(earliest, tenant.nextPollAt);
          continue;
        }
        const tenantRoom = tenantConcurrency > 0 ? tenantConcurrency - tenant.counts.held : Infinity;
        if (tenantRoom <= 0) continue;
        const limit = Math.min(batchSize, share, room, tenantRoom);
        // A second claim for the same tenant only for a full batch: small ones cost a statement each.
        if (claims > 0 && limit < batchSize) continue;
        // No small top-up while the tenant still has a handler slot's worth of messages per tenant
        // buffered: waiting until a full batch fits costs the handlers nothing and saves statements
        // (a busy queue would otherwise be claimed a few rows at a time, as handlers finish).
        if (limit < batchSize && tenant.buffer.length >= concurrency) continue;
        room -= limit;
        lastServed = index;
        served = true;
        claim(tenant, limit);
      }
      if (!served) break;
    }
    if (lastServed >= 0) this.cursor = (lastServed + 1) % count;
    return earliest;
  }
}
