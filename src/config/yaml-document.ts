import yaml from 'js-yaml';
import { ConfigError } from '../errors.js';

/** A parsed YAML document that can say on which line an object, or one of its keys, was written. */
export interface YamlDocument {
  readonly file: string;
  readonly value: unknown;
  /** 1-based line of `node` (an object or array of the document), or of its `key` when given. */
  lineOf(node: unknown, key?: string): number | undefined;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Parses YAML with js-yaml's safe default schema. Duplicate keys are an error (js-yaml refuses them),
 * and syntax errors carry their line. Positions come from js-yaml's node listener: each object
 * and array is mapped to the lines it spans.
 */
export function parseYamlDocument(text: string, file: string): YamlDocument {
  const spans = new WeakMap<object, Span>();
  const open: number[] = [];
  let value: unknown;
  try {
    value = yaml.load(text, {
      filename: file,
      listener(event, state) {
        if (event === 'open') {
          open.push(state.line);
          return;
        }
        const start = open.pop() ?? 0;
        if (state.result !== null && typeof state.result === 'object') {
          spans.set(state.result as object, { start, end: state.line });
        }
      },
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const line = err.mark ? err.mark.line + 1 : undefined;
      throw ConfigError.single(file, `invalid YAML: ${err.reason}`, '', line);
    }
    throw err;
  }
  const lines = text.split('\n');
  const lineOf = (node: unknown, key?: string): number | undefined => {
    if (node === null || typeof node !== 'object') return undefined;
    const span = spans.get(node);
    if (!span) return undefined;
    if (key === undefined) return firstContentLine(lines, span.start, span.end) + 1;
    const keyPattern = new RegExp(`(^|[\\s{,-])["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*:`);
    for (let i = span.start; i <= span.end && i < lines.length; i++) {
      if (keyPattern.test(lines[i] ?? '')) return i + 1;
    }
    return firstContentLine(lines, span.start, span.end) + 1;
  };
  return { file, value, lineOf };
}

function firstContentLine(lines: readonly string[], start: number, end: number): number {
  for (let i = start; i <= end && i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line !== '' && !line.startsWith('#')) return i;
  }
  return start;
}
