import type { Dialect, StoreGroup } from '../store/types';
import { jitteredDelayMs } from '../retry/backoff';
import type { WorkerOptions } from './options';
import type { WorkerTenant } from './worker-tenant';

/** First step of a failing probe's cooldown; doubles per consecutive failure up to tenantBackoffMaxMs. */
const PROBE_FAILURE_BASE_MS = 1_000;

/** One statement's worth of a group's members, with its own probe schedule. */
export interface ProbeChunk {
  readonly members: WorkerTenant[];
  /** The tables of `members`, in order (the statement text depends only on them). */
  readonly tables: string[];
  nextProbeAt: number;
  /** Adaptive step: 1 right after activity, +1 per probe that found nothing due. */
  step: number;
  probing: boolean;
  parked: number;
}

/**
 * The idle tenants of one group (equal StoreGroup.key: one PostgreSQL database, or one SQL Server
 * server + login), probed together: per chunk of at most `maxTablesPerStatement` tenants, ONE
 * statement per interval tells which of them have work due and when the rest will. Parked
 * (idle) members cost nothing else; busy members stay in their chunk (so its statement text, a
 * prepared statement, stays the same) and their results are ignored.
 *
 * Members are tenants whose last claim succeeded: a failing tenant (missing table, denied
 * permission) leaves the group, so it cannot make the probe of the others fail. If a probe fails
 * all the same, its chunk's tenants go back to polling on their own, and parking stops for a
 * cooldown that doubles per consecutive failure (the caller logs one line per step).
 *
 * Interval per chunk: SQL Server, the fixed worker.sqlServerProbeMs (no NOTIFY there, so it is
 * the pickup latency). PostgreSQL: from pollMinMs right after a member parked, doubling with
 * jitter up to pollMaxMs, or up to max(pollMaxMs, notifyBackstopMs) while every member of the
 * chunk has a connected NOTIFY listener (new rows then wake their tenant directly).
 */
export class ProbeGroup {
  private members: WorkerTenant[] = [];
  private chunkOf = new Map<WorkerTenant, ProbeChunk>();
  private current: ProbeChunk[] = [];
  /** Members joined or left since the chunks were cut; they are re-cut on next use (joins come in bursts). */
  private dirty = false;
  consecutiveFailures = 0;
  /** After a failed probe, tenants poll on their own until then. */
  parkAllowedAt = 0;
  /** Cached min(parkedWakeAt) over parked members; recomputed when `wakeDirty`. */
  private wakeAtCache = Infinity;
  private wakeDirty = false;

  constructor(
    readonly key: string,
    readonly dialect: Dialect,
    private readonly options: WorkerOptions,
    /** Called whenever the group's next event time may have changed (the worker caches it). */
    private readonly onChange: () => void = () => undefined,
  ) {}

  get size(): number {
    return this.members.length;
  }

  has(tenant: WorkerTenant): boolean {
    return this.members.includes(tenant);
  }

  /** The chunks (one statement each), re-cut after members joined or left. */
  get chunks(): ProbeChunk[] {
    if (this.dirty) this.rebuild(Date.now());
    return this.current;
  }

  /** The store group that runs this group's statements (any member's: they share database or server). */
  storeGroup(chunk: ProbeChunk): StoreGroup {
    const group = chunk.members[0]?.store.group;
    if (!group) throw new Error(`probe group ${this.key} has an empty chunk (worker bug)`);
    return group;
  }

  canPark(now: number): boolean {
    return now >= this.parkAllowedAt;
  }

  join(tenant: WorkerTenant): void {
    this.onChange();
    if (this.dirty ? this.members.includes(tenant) : this.chunkOf.has(tenant)) return;
    this.members.push(tenant);
    this.dirty = true;
  }

  leave(tenant: WorkerTenant): void {
    this.onChange();
    const before = this.members.length;
    this.members = this.members.filter((m) => m !== tenant);
    if (this.members.length !== before) this.dirty = true;
  }

  /** A member parked (call after setting tenant.parked): its chunk is probed soon and backs off again from there. */
  onParked(tenant: WorkerTenant, now: number, options: WorkerOptions): void {
    this.onChange();
    void this.chunks;
    const chunk = this.chunkOf.get(tenant);
    if (!chunk) return;
    chunk.parked = countParked(chunk);
    chunk.step = 1;
    chunk.nextProbeAt = Math.min(chunk.nextProbeAt, now + this.interval(chunk, 1, options));
    this.wakeDirty = true;
  }

  onUnparked(tenant: WorkerTenant): void {
    this.onChange();
    void this.chunks;
    const chunk = this.chunkOf.get(tenant);
    if (chunk) chunk.parked = countParked(chunk);
    this.wakeDirty = true;
  }

  /** A member's wakeAt changed. */
  touch(): void {
    this.onChange();
    this.wakeDirty = true;
  }

  /** Listener state changed (lost: probe soon, at the polling cadence; back: probe now, notifications may have been missed). */
  onListening(tenant: WorkerTenant, listening: boolean, now: number, options: WorkerOptions): void {
    this.onChange();
    void this.chunks;
    const chunk = this.chunkOf.get(tenant);
    if (!chunk) return;
    chunk.step = 1;
    chunk.nextProbeAt = Math.min(chunk.nextProbeAt, listening ? now : now + this.interval(chunk, 1, options));
  }

  /** Earliest time something of this group must happen: a chunk's probe, or a parked member's wake-up. */
  nextEventAt(): number {
    let at = this.nextWakeAt();
    for (const chunk of this.chunks) if (!chunk.probing && chunk.parked > 0) at = Math.min(at, chunk.nextProbeAt);
    return at;
  }

  nextWakeAt(): number {
    if (this.wakeDirty) {
      this.wakeDirty = false;
      let at = Infinity;
      for (const m of this.members) if (m.parked) at = Math.min(at, m.parkedWakeAt);
      this.wakeAtCache = at;
    }
    return this.wakeAtCache;
  }

  /** Parked members whose work is due now. */
  dueMembers(now: number): WorkerTenant[] {
    if (this.nextWakeAt() > now) return [];
    return this.members.filter((m) => m.parked && m.parkedWakeAt <= now);
  }

  /** Chunks whose probe is due now (and have parked members). */
  dueChunks(now: number): ProbeChunk[] {
    return this.chunks.filter((c) => !c.probing && c.parked > 0 && c.nextProbeAt <= now);
  }

  /** A probe of `chunk` answered: applies the due times, schedules its next probe. */
  onProbed(chunk: ProbeChunk, dueInMs: ReadonlyArray<number | null>, now: number, options: WorkerOptions): void {
    this.onChange();
    this.consecutiveFailures = 0;
    let anyDue = false;
    chunk.members.forEach((tenant, i) => {
      // The probe read this tenant's table: it is reachable (a tenant parked at start-up was never claimed).
      tenant.onProbeSucceeded(now);
      const due = dueInMs[i];
      if (!tenant.parked || due === null || due === undefined) return;
      // Only ever earlier: a wake-up we scheduled ourselves (a retry) after this probe started must survive it.
      tenant.wakeAt = Math.min(tenant.wakeAt, now + Math.max(0, due));
      if (due <= 0) anyDue = true;
    });
    chunk.step = anyDue ? 1 : chunk.step + 1;
    chunk.nextProbeAt = now + this.interval(chunk, chunk.step, options);
    this.wakeDirty = true;
  }

  /**
   * A probe failed: its parked members must poll on their own now; no member parks until the
   * cooldown ends. Returns the members to wake and the cooldown.
   */
  onProbeFailed(chunk: ProbeChunk, now: number, options: WorkerOptions): { wake: WorkerTenant[]; cooldownMs: number } {
    this.onChange();
    this.consecutiveFailures += 1;
    const cooldownMs = jitteredDelayMs(this.consecutiveFailures, {
      baseMs: Math.min(PROBE_FAILURE_BASE_MS, options.tenantBackoffMaxMs),
      maxMs: options.tenantBackoffMaxMs,
    });
    this.parkAllowedAt = now + cooldownMs;
    chunk.step = 1;
    chunk.nextProbeAt = now + cooldownMs;
    this.wakeDirty = true;
    return { wake: chunk.members.filter((m) => m.parked), cooldownMs };
  }

  /** Interval before a chunk's next probe at adaptive step `step`. */
  interval(chunk: ProbeChunk, step: number, options: WorkerOptions): number {
    if (this.dialect === 'sqlserver') return options.sqlServerProbeMs;
    const listening = chunk.members.every((m) => m.listening);
    const maxMs = listening ? Math.max(options.pollMaxMs, options.notifyBackstopMs) : options.pollMaxMs;
    return jitteredDelayMs(step, { baseMs: Math.min(options.pollMinMs, maxMs), maxMs });
  }

  /**
   * Re-slices the members into chunks (after joins or leaves). A chunk whose members changed gets a
   * new statement text and is probed within pollMinMs (at once when it is new: its members may
   * never have been probed), so its parked members stay covered; joins within that time share
   * one statement.
   */
  private rebuild(now: number): void {
    this.dirty = false;
    const size = Math.max(1, this.members[0]?.store.group.maxTablesPerStatement ?? 1);
    const old = this.current;
    this.current = [];
    this.chunkOf.clear();
    for (let i = 0; i < this.members.length; i += size) {
      const members = this.members.slice(i, i + size);
      const previous = old[this.current.length];
      const same =
        previous !== undefined && previous.members.length === members.length && previous.members.every((m, k) => m === members[k]);
      let chunk: ProbeChunk;
      if (same) {
        chunk = previous;
      } else {
        chunk = {
          members,
          tables: members.map((m) => m.store.group.table),
          nextProbeAt: previous === undefined ? now : Math.min(previous.nextProbeAt, now + this.options.pollMinMs),
          step: 1,
          // A probe in flight for the old member list answers for that list (matched by identity, then ignored).
          probing: false,
          parked: 0,
        };
      }
      chunk.parked = countParked(chunk);
      this.current.push(chunk);
      for (const m of members) this.chunkOf.set(m, chunk);
    }
    this.wakeDirty = true;
  }

  /** Whether `chunk` is still one of this group's chunks (a probe answering for a replaced chunk is ignored). */
  isCurrent(chunk: ProbeChunk): boolean {
    return this.chunks.includes(chunk);
  }
}

function countParked(chunk: ProbeChunk): number {
  let n = 0;
  for (const m of chunk.members) if (m.parked) n += 1;
  return n;
}
