/**
 * A fleet of real `tqw run` processes sharing one config (each with its own HTTP port), with the
 * faults the scenarios inject: kill -9, SIGTERM, and an orchestrator's restart of a process that
 * exited on its own (restartPolicy: Always). Every process's output stays available for the checks.
 */
import { DaemonProcess, freePort, httpGet } from '../../support/processes';

export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the exit was seen. */
  at: number;
}

export type EndedBy = 'kill9' | 'sigterm' | 'cleanup';

export class WorkerInstance {
  readonly startedAt = Date.now();
  /** Set by the fleet before it signals the process; undefined for a process that exited on its own. */
  endedBy: EndedBy | undefined;
  exit: InstanceExit | undefined;

  constructor(
    readonly daemon: DaemonProcess,
    readonly slot: number,
    readonly generation: number,
    readonly port: number,
  ) {}

  get pid(): number {
    return this.daemon.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get label(): string {
    return `worker ${this.slot}.${this.generation} (pid ${this.pid})`;
  }
}

export interface FleetOptions {
  configFile: string;
  /** Environment of every process (passwords for ${VAR}, the recorder URL). */
  env: NodeJS.ProcessEnv;
  size: number;
  /** Restart a process that exited on its own, as an orchestrator would. Default false. */
  supervise?: boolean;
  /** Pause before such a restart. Default 250 ms. */
  restartDelayMs?: number;
  /** Called when a process exits on its own, before any restart (e.g. to snapshot its in-flight messages). */
  onCrash?: (instance: WorkerInstance) => Promise<void> | void;
  /** Every HTTP body read from the fleet (for the secrets scan). */
  onHttp?: (source: string, body: string) => void;
}

export class WorkerFleet {
  readonly instances: WorkerInstance[] = [];
  /** Processes that exited without being told to (crashes), in order. */
  readonly crashes: WorkerInstance[] = [];
  private readonly current = new Map<number, WorkerInstance>();
  private readonly restarts = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly options: FleetOptions) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.size }, (_, slot) => this.startSlot(slot)));
  }

  /** Starts (or restarts) the process of a slot; resolves when it answers /readyz 200 or has exited. */
  async startSlot(slot: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<WorkerInstance> {
    const previous = this.current.get(slot);
    if (previous?.alive) throw new Error(`${previous.label} is still running`);
    const port = await freePort();
    const daemon = new DaemonProcess(['--config', this.options.configFile], {
      TQW_CONFIG: '',
      ...this.options.env,
      ...extraEnv,
      TQW_HTTP_PORT: String(port),
    });
    const generation = this.instances.filter((i) => i.slot === slot).length;
    const instance = new WorkerInstance(daemon, slot, generation, port);
    this.instances.push(instance);
    this.current.set(slot, instance);
    void daemon.exited.then((exit) => this.onExit(instance, exit));
    await this.waitReady(instance);
    return instance;
  }

  private async waitReady(instance: WorkerInstance): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (instance.alive) {
      const status = await httpGet(instance.port, '/readyz').then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`${instance.label} not ready after 30 s; stderr: ${instance.daemon.stderr}`);
      await sleep(50);
    }
  }

  private onExit(instance: WorkerInstance, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
    instance.exit = { ...exit, at: Date.now() };
    if (instance.endedBy !== undefined) return;
    this.crashes.push(instance);
    const restart = (async () => {
      await this.options.onCrash?.(instance);
      if (!this.options.supervise || this.closing) return;
      await sleep(this.options.restartDelayMs ?? 250);
      if (!this.closing && this.current.get(instance.slot) === instance) await this.startSlot(instance.slot);
    })();
    this.restarts.add(restart);
    void restart.finally(() => this.restarts.delete(restart));
  }

  /** The latest process of a slot. */
  at(slot: number): WorkerInstance {
    const instance = this.current.get(slot);
    if (!instance) throw new Error(`no process in slot ${slot}`);
    return instance;
  }

  live(): WorkerInstance[] {
    return [...this.current.values()].filter((i) => i.alive);
  }

  /** kill -9 the current process of a slot; resolves once it is gone. */
  async kill9(slot: number): Promise<WorkerInstance> {
    const instance = this.at(slot);
    instance.endedBy = 'kill9';
    instance.daemon.kill('SIGKILL');
    await instance.daemon.exited;
    return instance;
  }

  /** SIGTERM (graceful drain); resolves with the exit and how long it took. */
  async terminate(instance: WorkerInstance): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = Date.now();
    instance.endedBy = 'sigterm';
    instance.daemon.kill('SIGTERM');
    const exit = await instance.daemon.exited;
    return { ...exit, ms: Date.now() - started };
  }

  async get(instance: WorkerInstance, path: string): Promise<{ status: number; body: string }> {
    const response = await httpGet(instance.port, path);
    this.options.onHttp?.(`${instance.label} GET ${path}`, response.body);
    return response;
  }

  /** Waits for restarts of crashed processes that are under way. */
  async settleRestarts(): Promise<void> {
    while (this.restarts.size > 0) await Promise.all([...this.restarts]);
  }

  /** Every line and stderr byte of every process (for the secrets scan and for failure messages). */
  outputs(): Array<{ source: string; text: string }> {
    return this.instances.flatMap((i) => [
      { source: `${i.label} stdout`, text: i.daemon.raw.join('\n') },
      { source: `${i.label} stderr`, text: i.daemon.stderr },
    ]);
  }

  /** Stops supervising and SIGKILLs whatever still runs (test cleanup). */
  async close(): Promise<void> {
    this.closing = true;
    await this.settleRestarts().catch(() => undefined);
    await Promise.all(
      this.instances
        .filter((i) => i.alive)
        .map(async (i) => {
          i.endedBy ??= 'cleanup';
          i.daemon.kill('SIGKILL');
          await i.daemon.exited;
        }),
    );
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
