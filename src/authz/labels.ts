import type { Labels } from '../auth.js';

/** Both sets of labels; a key in both gets the values of each, once. */
export function mergeLabels(a: Labels, b: Labels): Labels {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const merged = new Map<string, readonly string[]>(a);
  for (const [key, values] of b) {
    const mine = merged.get(key);
    merged.set(key, mine === undefined ? values : [...new Set([...mine, ...values])]);
  }
  return merged;
}
