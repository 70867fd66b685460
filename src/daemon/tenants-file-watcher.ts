import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface TenantsFileWatcherOptions {
  file: string;
  /** Called (debounced) when the file's content differs from the last content seen. */
  onChange: () => void;
  /** Backstop poll interval: fs.watch misses some changes (network filesystems, some symlink swaps). Default 5000. */
  pollIntervalMs?: number;
  /** Debounce for bursts of events (editors write in several steps). Default 200. */
  debounceMs?: number;
}

/**
 * Notices changes to the tenants file, including Kubernetes ConfigMap updates, which do not
 * modify the file but atomically swap the `..data` symlink in its directory. That is why the
 * DIRECTORY is watched (a watch on the file itself would keep pointing at the old inode) and
 * why changes are detected by comparing content, not by event type. A slow poll backs fs.watch up.
 */
export class TenantsFileWatcher {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastContent: string | undefined;

  constructor(private readonly options: TenantsFileWatcherOptions) {}

  start(): void {
    this.lastContent = this.read();
    try {
      const name = basename(this.options.file);
      this.watcher = watch(dirname(this.options.file), { persistent: false }, (_event, changed) => {
        if (!changed || changed === name || changed.startsWith('..')) this.check();
      });
      this.watcher.on('error', () => {
        // The directory went away or became unreadable: the poll keeps trying.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // fs.watch unsupported here: rely on the poll.
    }
    this.poll = setInterval(() => this.compare(), this.options.pollIntervalMs ?? 5_000);
    this.poll.unref();
  }

  /** Marks the current content as applied (after a reload triggered elsewhere, e.g. SIGHUP). */
  markCurrent(): void {
    this.lastContent = this.read();
  }

  private check(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.compare(), this.options.debounceMs ?? 200);
    this.debounce.unref();
  }

  private compare(): void {
    const content = this.read();
    if (content === this.lastContent) return;
    this.lastContent = content;
    this.options.onChange();
  }

  private read(): string | undefined {
    try {
      return readFileSync(this.options.file, 'utf8');
    } catch {
      return undefined;
    }
  }

  stop(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
  }
}
