/**
 * The Dockerfile, checked without a Docker engine: dockerfile-utils' validator (the linter of the VS Code Docker
 * extension) reports no errors, and the structure does what the image promises: multi-stage build with dev
 * dependencies pruned, tini as PID 1, non-root user, a curl-free HEALTHCHECK on /livez, and ports, paths and
 * config that match the application's real defaults (src/config/schema.ts, package.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Dockerfile, type ImageTemplate, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { loadConfig } from '../../src/config/load-config';
import { CONFIG_SCHEMA } from '../../src/config/schema';
import { COMMANDS } from '../../src/cli/main';
import { readJson, readRepoFile, repoFileExists } from './support/repo';

// The bench is plain JS (its own package); its runtime module is read as is.
const { TQW_NODE_FLAGS } = require('../../bench/lib/runtimes') as { TQW_NODE_FLAGS: string[] };

const DOCKERFILE = readRepoFile('Dockerfile');
const dockerfile: Dockerfile = DockerfileParser.parse(DOCKERFILE);
const HTTP_PORT = CONFIG_SCHEMA.http.port.default;
/** LSP DiagnosticSeverity.Error (dockerfile-utils reports LSP diagnostics). */
const ERROR = 1;

interface Stage {
  name: string | null;
  image: ImageTemplate;
  instructions: Instruction[];
}

const stages: Stage[] = dockerfile.getFROMs().map((from) => {
  const image = dockerfile.getContainingImage(from.getRange().start);
  if (!image) throw new Error(`no build stage contains the FROM on line ${from.getRange().start.line + 1}`);
  return { name: from.getBuildStage(), image, instructions: image.getInstructions() };
});
const runtime = stages[stages.length - 1]!;
const build = stages.find((s) => s.name === 'build');

function args(instruction: Instruction): string {
  return instruction.getArgumentsContent() ?? '';
}
function ofKind(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}
/** The JSON-form arguments of ENTRYPOINT / CMD / HEALTHCHECK CMD. */
function jsonArgs(text: string): string[] {
  return JSON.parse(text.slice(text.indexOf('['))) as string[];
}
/** ENV pairs of a stage (both `ENV A=1 B=2` and `ENV A 1`). */
function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of stage.image.getENVs()) {
    for (const property of instruction.getProperties()) env.set(property.getName(), property.getValue() ?? '');
  }
  return env;
}

describe('Dockerfile', () => {
  test('dockerfile-utils reports no errors and no warnings', () => {
    const diagnostics = validate(DOCKERFILE).map((d) => ({
      line: d.range.start.line + 1,
      severity: d.severity === ERROR ? 'error' : 'warning',
      message: d.message,
    }));
    expect(diagnostics).toEqual([]);
  });

  test('the linter catches a broken Dockerfile (so the check above can fail)', () => {
    const broken = `${DOCKERFILE}\nHEALTHCHECK --interval=soon CMD true\nEXPOZE 9464\n`;
    const errors = validate(broken).filter((d) => d.severity === ERROR);
    expect(errors.map((d) => d.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('soon'), expect.stringContaining('EXPOZE')]),
    );
  });

  test('is multi-stage: both stages on the same current Node LTS slim base', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const baseArg = dockerfile
      .getInitialARGs()
      .flatMap((arg) => arg.getProperties())
      .find((p) => p.getName() === 'NODE_IMAGE');
    expect(baseArg?.getValue()).toBe('node:24-bookworm-slim');
    for (const from of dockerfile.getFROMs()) expect(from.getImageName()).toBe('${NODE_IMAGE}');
  });

  test('the build stage installs with npm ci, compiles, then prunes dev dependencies', () => {
    const runs = ofKind(build!, 'RUN').map(args);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    const compile = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    const prune = runs.findIndex((r) => /\bnpm prune --omit=dev\b/.test(r));
    expect([ci, compile, prune].every((i) => i >= 0)).toBe(true);
    expect(ci).toBeLessThan(compile);
    expect(compile).toBeLessThan(prune);
    // `prepare` (tsc) would run inside `npm ci` before the sources are copied.
    expect(runs[ci]).toContain('--ignore-scripts');
    // `npm run build` is what package.json says the build is.
    expect(readJson<{ scripts: Record<string, string> }>('package.json').scripts.build).toMatch(/^tsc -p tsconfig\.build\.json$/);
  });

  test('the runtime stage installs nothing from npm: it copies the pruned node_modules and dist from the build stage', () => {
    expect(ofKind(runtime, 'RUN').map(args).join('\n')).not.toMatch(/\bnpm (ci|install|i)\b/);
    const fromBuild = runtime.image
      .getCOPYs()
      .filter((copy) => copy.getFromFlag()?.getValue() === 'build')
      .map(
        (copy) =>
          args(copy)
            .replace(/^--from=build\s+/, '')
            .split(/\s+/)[0],
      );
    expect(fromBuild).toEqual(expect.arrayContaining(['/app/node_modules', '/app/dist', '/app/bin', '/app/package.json']));
  });

  test('tini is PID 1 and runs the package bin; `run` is the default command', () => {
    expect(ofKind(runtime, 'RUN').map(args).join('\n')).toMatch(/apt-get install[^\n]*\btini\b/);
    const entrypoint = jsonArgs(args(runtime.image.getENTRYPOINTs()[0]!));
    const bin = readJson<{ bin: Record<string, string> }>('package.json').bin.tqw;
    expect(entrypoint).toEqual(['/usr/bin/tini', '--', 'node', ...TQW_NODE_FLAGS, `/app/${bin}`]);
    expect(jsonArgs(args(runtime.image.getCMDs()[0]!))).toEqual(['run']);
  });

  test('the daemon runs with the Node flags the bench measures it with (bench/lib/runtimes.js), and Node accepts them', () => {
    expect(TQW_NODE_FLAGS).toEqual(['--max-semi-space-size=32', '--no-allocation-site-pretenuring']);
    // Node refuses an unknown or malformed flag at start-up: this must print and exit 0.
    const out = execFileSync(process.execPath, [...TQW_NODE_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(out).toBe('ok');
  });

  test('runs as the non-root node user: the last USER is node, set after every root-only step', () => {
    const users = ofKind(runtime, 'USER');
    expect(users.map(args)).toEqual(['node']);
    const userLine = users[0]!.getRange().start.line;
    const laterRuns = ofKind(runtime, 'RUN').filter((r) => r.getRange().start.line > userLine);
    expect(laterRuns.map(args)).toEqual([]);
  });

  test("HEALTHCHECK runs `tqw healthcheck` with node itself (no curl or wget), which loads the daemon's own config to find its port", () => {
    const healthchecks = runtime.image.getHEALTHCHECKs();
    expect(healthchecks).toHaveLength(1);
    const text = args(healthchecks[0]!);
    expect(text).not.toMatch(/\b(curl|wget)\b/);
    const command = jsonArgs(text.slice(text.indexOf('CMD')));
    const bin = readJson<{ bin: Record<string, string> }>('package.json').bin.tqw;
    expect(command).toEqual(['node', `/app/${bin}`, 'healthcheck']);
    // The command exists (test/image runs it against a real container).
    expect(COMMANDS.map((c) => c.name)).toContain('healthcheck');
  });

  test('has no `# syntax=` line (an offline BuildKit would try to pull that frontend image)', () => {
    expect(DOCKERFILE).not.toMatch(/^#\s*syntax\s*=/im);
  });

  test(`EXPOSEs the application's default HTTP port (${HTTP_PORT})`, () => {
    expect(ofKind(runtime, 'EXPOSE').map(args)).toEqual([String(HTTP_PORT)]);
  });

  test('sets production mode and the documented handler and config paths', () => {
    const env = envOf(runtime);
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('TQW_HANDLERS_DIR')).toBe('/handlers');
    expect(env.get('TQW_CONFIG')).toBe('/etc/tqw/config.json');
    // The schema's env names are the ones the image sets.
    expect(CONFIG_SCHEMA.handlers.dir.env).toBe('TQW_HANDLERS_DIR');
    const copies = runtime.image.getCOPYs().map(args);
    expect(copies).toEqual(expect.arrayContaining(['examples/handlers /handlers', 'docker/config.json /etc/tqw/config.json']));
  });

  test("the image's config file passes the application's own strict config validation", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tqw-image-config-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, readRepoFile('docker/config.json'));
    const config = loadConfig({ configFile, env: { TQW_HANDLERS_DIR: '/handlers' }, cwd: dir });
    expect(config.tenants.file).toBe('/etc/tqw/tenants.json');
    expect(config.handlers.dir).toBe('/handlers');
    expect(config.http.port).toBe(HTTP_PORT);
    expect(config.http.host).toBe('0.0.0.0');
  });

  test('every file the build copies from the context exists and is let through by .dockerignore', () => {
    const sources = stages
      .flatMap((stage) => stage.image.getCOPYs())
      .filter((copy) => copy.getFromFlag() === null)
      .flatMap((copy) => {
        const parts = args(copy)
          .split(/\s+/)
          .filter((p) => !p.startsWith('--'));
        return parts.slice(0, -1);
      });
    expect(sources.length).toBeGreaterThan(5);
    const ignored = dockerIgnored(readRepoFile('.dockerignore'));
    const problems = sources.flatMap((source) => [
      ...(repoFileExists(source) ? [] : [`${source}: missing in the repository`]),
      ...(ignored(source) ? [`${source}: excluded by .dockerignore`] : []),
    ]);
    expect(problems).toEqual([]);
  });

  test('.dockerignore keeps local state out of the build context', () => {
    const ignored = dockerIgnored(readRepoFile('.dockerignore'));
    for (const path of ['node_modules', '.git', 'dist', 'docker/tenants.json', 'docker/tenants.admin.json', '.env', 'test/deploy']) {
      expect({ path, ignored: ignored(path) }).toEqual({ path, ignored: true });
    }
  });

  test('npm ci in the build stage works on every platform: no platform-specific package is a required dependency', () => {
    // npm refuses (EBADPLATFORM) to install a non-optional package whose "os"/"cpu" excludes the machine, so one
    // such entry breaks `docker build` on arm64 (Apple silicon, Graviton) even though it is only a dev dependency.
    const lock = readJson<{ packages: Record<string, { optional?: boolean; os?: string[]; cpu?: string[] }> }>('package-lock.json');
    const required = Object.entries(lock.packages)
      .filter(([name, entry]) => name !== '' && (entry.os !== undefined || entry.cpu !== undefined) && entry.optional !== true)
      .map(([name, entry]) => `${name} (os ${JSON.stringify(entry.os ?? 'any')}, cpu ${JSON.stringify(entry.cpu ?? 'any')})`);
    expect(required).toEqual([]);
  });
});

/**
 * Docker's .dockerignore semantics, enough for this file: patterns in order, the last match wins, `!` re-includes,
 * a pattern matching a directory matches everything below it, `*` does not cross `/`, `**` does.
 */
function dockerIgnored(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (path: string) => {
    const parts = path.replace(/\/+$/, '').split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negated;
    }
    return ignored;
  };
}
