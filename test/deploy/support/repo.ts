/** Reading the shipping files (Dockerfile, compose, manifests, dashboards) of the repository under test. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load, loadAll } from 'js-yaml';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(repoPath(relativePath), 'utf8');
}

export function repoFileExists(relativePath: string): boolean {
  return existsSync(repoPath(relativePath));
}

/** One YAML document, as plain JSON-like data. */
export function readYaml<T = Record<string, unknown>>(relativePath: string): T {
  return load(readRepoFile(relativePath)) as T;
}

/** Every document of a multi-document YAML file (empty documents dropped). */
export function readYamlAll(relativePath: string): Array<Record<string, unknown>> {
  return (loadAll(readRepoFile(relativePath)) as unknown[]).filter(
    (doc): doc is Record<string, unknown> => typeof doc === 'object' && doc !== null,
  );
}

export function readJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readRepoFile(relativePath)) as T;
}

/** Writes `text` as `name` in a fresh temp directory (for the application's own loaders) and returns the path. */
export function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tqw-deploy-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}
