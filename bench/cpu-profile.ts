import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  /** `function (file:line)`, with the file shortened to what identifies it. */
  readonly frame: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time by function, largest first. */
  readonly functions: readonly SelfTime[];
  /** Self time by where the code lives: purser's own files, each npm package, Node's internals, GC, idle. */
  readonly places: readonly SelfTime[];
}

/** Self time per function and per place in one or more .cpuprofile files (the main thread only). */
export async function summariseCpuProfiles(files: readonly string[], top = 15): Promise<ProfileSummary> {
  const byFrame = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let totalMs = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      const frame = nodes.get(id)?.callFrame;
      if (frame === undefined) return;
      const key = `${frame.functionName || '(anonymous)'} (${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''})`;
      byFrame.set(key, (byFrame.get(key) ?? 0) + ms);
      const place = placeOf(frame.url, frame.functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
      totalMs += ms;
    });
  }
  const rank = (map: Map<string, number>, n: number): SelfTime[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, ms]) => ({ frame, ms: Math.round(ms), percent: Math.round((ms / totalMs) * 1000) / 10 }));
  return { totalMs: Math.round(totalMs), functions: rank(byFrame, top), places: rank(byPlace, top) };
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '');
}

function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `npm ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '')}`;
  }
  const dist = url.lastIndexOf('/dist/');
  return dist >= 0 ? `purser ${url.slice(dist + '/dist/'.length)}` : url;
}
