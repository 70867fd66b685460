/**
 * The shared harness of the reliability scenarios: tenant databases (migrated by an administrator,
 * worked by a least-privilege role), the recorder, the worker fleet, the fault log, the secrets scan
 * and the final invariant check. A scenario file creates one, drives its faults, calls `finish()`.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir, writeJson } from '../../support/processes';
import { createWorkerRole, dropWorkerRole, type WorkerRole } from './grants';
import { WorkerFleet, type WorkerInstance } from './fleet';
import { checkInvariants, type Fault, type FaultKind, type InvariantReport, type SurvivorMetrics } from './invariants';
import { processedTotals } from './metrics';
import type { PgServer } from './pg-servers';
import { processingExtIds, snapshotTenant, unsettledCount, type TenantSnapshot } from './probe';
import { createRecorder, type Recorder } from './recorder';
import { createRng, type Rng } from './rng';
import { SecretScan } from './secrets';
import { insertMessages, workload, type SeedMessage, type WorkloadOptions } from './seed';
import { createTenantDb, dropTenantDb, prepareTenants, type TenantDb, type TenantSpec } from './tenant-db';

export const HANDLERS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'reliability-handlers');

/** Worker settings of the scenarios: short leases and backoffs so faults heal in seconds. */
export const SCENARIO_WORKER = {
  concurrency: 16,
  batchSize: 16,
  leaseMs: 6_000,
  handlerTimeoutMs: 10_000,
  maxAttempts: 5,
  backoffBaseMs: 50,
  backoffMaxMs: 500,
  pollMinMs: 20,
  pollMaxMs: 250,
  tenantBackoffMaxMs: 2_000,
  shutdownTimeoutMs: 5_000,
};

/** The workers' config file: the reliability handlers, SCENARIO_WORKER (+ overrides), HTTP on 127.0.0.1. */
export function writeWorkerConfig(
  configFile: string,
  tenantsFile: string,
  worker: Partial<typeof SCENARIO_WORKER> = {},
  poolMax = 8,
): void {
  writeJson(configFile, {
    tenants: { file: tenantsFile, watch: true },
    handlers: { dir: HANDLERS_DIR },
    // Each process gets its own port through TQW_HTTP_PORT (see fleet.ts).
    http: { host: '127.0.0.1', port: 0 },
    worker: { ...SCENARIO_WORKER, ...worker },
    db: { poolMax, connectTimeoutMs: 3_000 },
    metrics: { depthIntervalMs: 1_000 },
    log: { level: 'info' },
  });
}

export interface ScenarioOptions {
  name: string;
  tenants: TenantSpec[];
  workers: number;
  worker?: Partial<typeof SCENARIO_WORKER>;
  /** db.poolMax of the workers (connections per tenant database and process). Default 8. */
  poolMax?: number;
  /** Restart processes that exit on their own (default false). */
  supervise?: boolean;
  /** Extra environment of the worker processes. */
  env?: NodeJS.ProcessEnv;
  onCrash?: (instance: WorkerInstance) => Promise<void> | void;
}

export interface FinishResult {
  report: InvariantReport;
  snapshots: TenantSnapshot[];
  exits: Array<{ label: string; code: number | null; ms: number }>;
}

export class Scenario {
  readonly secrets = new SecretScan();
  readonly faults: Fault[] = [];
  readonly startedAt = Date.now();
  readonly rng: Rng;
  readonly dir: string;
  readonly tenantsFile: string;
  readonly configFile: string;
  /** Every fleet started, in order (a scenario may stop one and start another). */
  readonly fleets: WorkerFleet[] = [];
  private readonly passwordVars: Record<string, string> = {};
  private outputsCollected = false;

  private constructor(
    readonly options: ScenarioOptions,
    readonly tenants: TenantDb[],
    readonly roles: Map<PgServer, WorkerRole>,
    readonly recorder: Recorder,
  ) {
    this.rng = createRng();
    this.dir = tempDir(`rel-${options.name}`);
    this.tenantsFile = join(this.dir, 'tenants.json');
    this.configFile = join(this.dir, 'config.json');
  }

  static async create(options: ScenarioOptions): Promise<Scenario> {
    const roles = new Map<PgServer, WorkerRole>();
    for (const spec of options.tenants) if (!roles.has(spec.server)) roles.set(spec.server, await createWorkerRole(spec.server));
    const tenants: TenantDb[] = [];
    for (const spec of options.tenants) tenants.push(await createTenantDb(spec, options.name, roles.get(spec.server)!));
    const recorder = await createRecorder();
    const scenario = new Scenario(options, tenants, roles, recorder);
    for (const role of roles.values()) scenario.secrets.addSecret(role.password);
    for (const server of roles.keys()) scenario.secrets.addSecret(server.adminPassword);
    scenario.secrets.add('tqw migrate (admin)', await prepareTenants(tenants, (t) => roles.get(t.server)!));
    scenario.writeTenantsFile();
    scenario.writeConfig();
    return scenario;
  }

  /**
   * The workers' tenants file: the worker role's URLs. The first tenant carries its password inline
   * (redaction of a literal password), the others as ${VAR} (expansion from the environment).
   */
  writeTenantsFile(override: (t: TenantDb, url: string) => string = (_t, url) => url): void {
    const entries = this.tenants.map((t, i) => {
      let url = t.workerUrl;
      if (i > 0) {
        const name = `REL_PW_${i}`;
        const parsed = new URL(url);
        this.passwordVars[name] = decodeURIComponent(parsed.password);
        url = url.replace(`:${parsed.password}@`, `:\${${name}}@`);
      }
      return { id: t.id, connectionString: override(t, url), ...(t.schema ? { schema: t.schema } : {}) };
    });
    // Atomic replace (as editors and ConfigMap updates do), so the watcher never reads half a file.
    const next = `${this.tenantsFile}.next`;
    writeJson(next, entries);
    renameSync(next, this.tenantsFile);
  }

  private writeConfig(): void {
    writeWorkerConfig(this.configFile, this.tenantsFile, this.options.worker, this.options.poolMax);
  }

  get workerSettings(): typeof SCENARIO_WORKER {
    return { ...SCENARIO_WORKER, ...this.options.worker };
  }

  /** The latest fleet. */
  get fleet(): WorkerFleet {
    const fleet = this.fleets[this.fleets.length - 1];
    if (!fleet) throw new Error('no fleet started yet');
    return fleet;
  }

  /** Starts a fleet (every process answers /readyz); `extraEnv` is added to its processes' environment. */
  async startFleet(extraEnv: NodeJS.ProcessEnv = {}): Promise<WorkerFleet> {
    const fleet = new WorkerFleet({
      configFile: this.configFile,
      env: { ...this.passwordVars, RELIABILITY_RECORDER_URL: this.recorder.url, ...this.options.env, ...extraEnv },
      size: this.options.workers,
      supervise: this.options.supervise,
      onCrash: this.options.onCrash,
      onHttp: (source, body) => this.secrets.add(source, body),
    });
    this.fleets.push(fleet);
    await fleet.start();
    return fleet;
  }

  tenant(id: string): TenantDb {
    const t = this.tenants.find((x) => x.id === id);
    if (!t) throw new Error(`no tenant ${id}`);
    return t;
  }

  seed(tenantId: string, messages: readonly SeedMessage[], delayMs = 0): Promise<string[]> {
    return insertMessages(this.tenant(tenantId), messages, delayMs);
  }

  async unsettled(tenants: readonly TenantDb[] = this.tenants): Promise<number> {
    let n = 0;
    for (const t of tenants) n += await unsettledCount(t);
    return n;
  }

  /**
   * Keeps work in the queues while faults are injected, however fast the engine is: when fewer than
   * `min` messages are unsettled, seeds `batch` more into each tenant. Returns how many it added.
   */
  async ensureBacklog(min: number, batch: number, workloadOptions: WorkloadOptions): Promise<number> {
    if ((await this.unsettled()) >= min) return 0;
    for (const t of this.tenants) await insertMessages(t, workload(batch, this.rng, workloadOptions));
    return batch * this.tenants.length;
  }

  /** Waits until every message of the tenants is Completed or DeadLetter. */
  async waitSettled(timeoutMs: number, tenants: readonly TenantDb[] = this.tenants): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await this.unsettled(tenants);
      if (left === 0) return;
      if (Date.now() > deadline) throw new Error(`${left} message(s) still not final after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** RecordExt messages in Processing now, over all tenants (the superset a fault at this moment interrupts). */
  async inflightExt(tenants: readonly TenantDb[] = this.tenants): Promise<string[]> {
    const ids: string[] = [];
    for (const t of tenants) ids.push(...(await processingExtIds(t)));
    return ids;
  }

  recordFault(kind: FaultKind, pids: number[], inflightExt: readonly string[]): Fault {
    const fault = { kind, at: new Date(), pids, inflightExt };
    this.faults.push(fault);
    return fault;
  }

  /**
   * The end of a scenario: scrape /metrics of every live process, SIGTERM them all (each must exit 0),
   * collect every output for the secrets scan, and check the invariants.
   */
  async finish(): Promise<FinishResult> {
    await this.fleet.settleRestarts();
    const live = this.fleet.live();
    // Totals are comparable only when every process that ever ran is scraped now.
    const everyProcessSurvived = this.fleets.every((f) => f.instances.every((i) => i.alive));
    const survivors: SurvivorMetrics[] = [];
    for (const instance of live) {
      const metrics = await this.fleet.get(instance, '/metrics');
      await this.fleet.get(instance, '/healthz');
      survivors.push({ pid: instance.pid, label: instance.label, totals: processedTotals(metrics.body) });
    }
    const exits = await Promise.all(
      live.map(async (instance) => {
        const exit = await this.fleet.terminate(instance);
        return { label: instance.label, code: exit.code, ms: exit.ms };
      }),
    );

    const snapshots = await Promise.all(this.tenants.map((t) => snapshotTenant(t)));
    const report = checkInvariants({
      tenants: snapshots,
      invocations: await this.recorder.invocations(),
      duplicates: await this.recorder.duplicates(),
      faults: this.faults,
      survivors,
      everyProcessSurvived,
    });
    this.collectOutputs(snapshots);
    if (report.violations.length > 0) {
      report.violations.push(
        `(scenario ${this.options.name}, seed ${this.rng.seed}: replay the schedule with TQW_RELIABILITY_SEED=${this.rng.seed})`,
      );
    }
    return { report, snapshots, exits };
  }

  /** Adds every process's output and every ErrorMessage to the secrets scan. */
  collectOutputs(snapshots: readonly TenantSnapshot[] = []): void {
    if (!this.outputsCollected) for (const { source, text } of this.fleets.flatMap((f) => f.outputs())) this.secrets.add(source, text);
    this.outputsCollected = true;
    for (const s of snapshots) {
      this.secrets.add(`tenant ${s.tenant} ErrorMessage column`, s.messages.map((m) => m.error ?? '').join('\n'));
    }
  }

  /** The figures every scenario reports (seed, secrets scan, duration, messages, invariants) for writeFigures. */
  reportFigures(report: InvariantReport) {
    return {
      seed: this.rng.seed,
      secretsScan: this.secretFigures(),
      seconds: this.seconds,
      messages: report.figures.messages,
      invariants: report.figures,
    };
  }

  /** What the secrets scan covered so far (a figure of the report). */
  secretFigures(): { passwords: number; charactersScanned: number } {
    this.collectOutputs();
    return { passwords: this.secrets.secretCount, charactersScanned: this.secrets.scannedChars };
  }

  get seconds(): number {
    return Math.round((Date.now() - this.startedAt) / 100) / 10;
  }

  /** Kills what still runs and drops every database and role of the scenario. */
  async cleanup(): Promise<void> {
    for (const fleet of this.fleets) await fleet.close();
    await Promise.all(this.tenants.map((t) => dropTenantDb(t).catch(() => undefined)));
    await this.recorder.drop().catch(() => undefined);
    for (const role of this.roles.values()) await dropWorkerRole(role).catch(() => undefined);
  }
}

/** Creates the scenario's tenants' specs on the given servers: ids a, b, c..., the last one in a schema. */
export function tenantSpecs(ids: readonly string[], server: (id: string, index: number) => PgServer, schemaForLast = true): TenantSpec[] {
  return ids.map((id, i) => ({
    id,
    server: server(id, i),
    ...(schemaForLast && i === ids.length - 1 && ids.length > 1 ? { schema: `tenant_${id}` } : {}),
  }));
}
