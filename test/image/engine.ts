/**
 * The container engine for the image test: TQW_CONTAINER_ENGINE (set by .ci/run, which prepares podman and
 * a local stand-in for the base image), else podman or docker on PATH; undefined (the test is reported
 * skipped, with the reason) when there is none. TQW_IMAGE_BUILD_FLAGS: extra `build` flags for this
 * machine (.ci/run: the registry proxy's CA and npmrc as build-time mounts, --pull=never).
 */
import { spawnSync } from 'node:child_process';

export interface EngineResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface Engine {
  command: string;
  /** Runs `<engine> ...args` to completion. */
  run(args: readonly string[], timeoutMs?: number): EngineResult;
  /** The same, throwing with the output when it exits non-zero. */
  ok(args: readonly string[], timeoutMs?: number): string;
}

function answers(command: string): boolean {
  const r = spawnSync(command, ['version'], { encoding: 'utf8', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

function detect(): { engine?: Engine; reason?: string } {
  const wanted = process.env.TQW_CONTAINER_ENGINE?.trim();
  const candidates = wanted ? [wanted] : ['podman', 'docker'];
  const command = candidates.find(answers);
  if (!command) {
    return {
      reason: wanted
        ? `TQW_CONTAINER_ENGINE=${wanted} does not answer '${wanted} version'`
        : 'no container engine: neither podman nor docker answers (.ci/run prepares podman where the CI machine provides it)',
    };
  }
  const run = (args: readonly string[], timeoutMs = 120_000): EngineResult => {
    const r = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  };
  return {
    engine: {
      command,
      run,
      ok(args, timeoutMs) {
        const r = run(args, timeoutMs);
        if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      },
    },
  };
}

export const { engine, reason: noEngineReason } = detect();

/** Flags of `build` on this machine: TQW_IMAGE_BUILD_FLAGS, else the engine's defaults for a local build. */
export function buildFlags(): string[] {
  const flags = process.env.TQW_IMAGE_BUILD_FLAGS?.trim();
  if (flags) return flags.split(/\s+/);
  // --format docker: podman's OCI default drops HEALTHCHECK.
  return engine?.command === 'podman' ? ['--format', 'docker', '--network', 'host'] : ['--network', 'host'];
}
