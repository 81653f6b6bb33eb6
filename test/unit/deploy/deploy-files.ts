import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

/** The repository root: these files run as dist/test/unit/deploy/*.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export type Yaml = Record<string, unknown>;

export interface YamlDocument {
  /** Path relative to the repository root. */
  readonly file: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  readonly doc: Yaml;
}

/** Every YAML document in a file (`---`-separated), skipping empty ones. */
export function loadYamlDocuments(file: string): YamlDocument[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  return yaml
    .loadAll(text)
    .map((doc, index) => ({ file, index, doc: doc as Yaml }))
    .filter(({ doc }) => doc !== null && doc !== undefined);
}

/** deploy/kubernetes/*.yaml */
export function kubernetesFiles(): string[] {
  return readdirSync(join(REPO_ROOT, 'deploy/kubernetes'))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => `deploy/kubernetes/${f}`);
}

export function kubernetesManifests(): YamlDocument[] {
  return kubernetesFiles().flatMap(loadYamlDocuments);
}

/** Every file under deploy/, relative to the repository root. */
export function deployFiles(dir = join(REPO_ROOT, 'deploy')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? deployFiles(join(dir, entry.name)) : [relative(REPO_ROOT, join(dir, entry.name))],
  );
}

/** The PURSER_* names in the first column of the "Settings" tables of docs/configuration.md. */
export function readmeSettings(): Set<string> {
  const readme = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
  const start = readme.search(/^## Settings\b/m);
  if (start < 0) throw new Error('docs/configuration.md has no "## Settings" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const match of firstCell.matchAll(/`(PURSER_[A-Z0-9_]+)`/g)) names.add(match[1] as string);
  }
  return names;
}

/** Reads `a.b.c` from parsed YAML, or undefined. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Yaml)[key];
  }
  return current;
}

export function list(value: unknown): Yaml[] {
  return Array.isArray(value) ? (value as Yaml[]) : [];
}

/** Names of environment variables a container sets (Kubernetes `env:` list or Compose mapping/list). */
export function envNames(env: unknown): string[] {
  if (Array.isArray(env)) {
    return env.map((e) => (typeof e === 'string' ? (e.split('=')[0] ?? '') : String((e as Yaml).name)));
  }
  return env !== null && typeof env === 'object' ? Object.keys(env) : [];
}

/** The value of an environment variable a container sets, or undefined. */
export function envValue(env: unknown, name: string): string | undefined {
  if (Array.isArray(env)) {
    for (const e of env) {
      if (typeof e === 'string') {
        const [key, ...value] = e.split('=');
        if (key === name) return value.join('=');
      } else if ((e as Yaml).name === name) {
        const value = (e as Yaml).value;
        return value === undefined ? undefined : String(value);
      }
    }
    return undefined;
  }
  const value = env !== null && typeof env === 'object' ? (env as Yaml)[name] : undefined;
  return value === undefined || value === null ? undefined : String(value);
}
