import { readFileSync } from 'node:fs';

// Summarises a V8 .cpuprofile (from `node --cpu-prof`) into the tables a reader wants first: where the
// process spent its own time, by function and by package or file, and which functions' subtrees cost most.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  /** Node id of each sample, and the µs since the previous one (the first since startTime). */
  samples?: number[];
  timeDeltas?: number[];
}

/** Microseconds on the machine's monotonic clock, the one V8 stamps profiles with (process.hrtime). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Hits per node counted from the samples that fall inside `window` only, so that start-up (module loading,
 * compilation) and the warm-up stay out of the figures; `hitCount` covers the whole process lifetime.
 */
function hitsWithin(profile: CpuProfile, window: ProfileWindow): { hits: Map<number, number>; ms: number } {
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let index = 0; index < samples.length; index++) {
    at += deltas[index] ?? 0;
    if (at < window.fromUs || at > window.toUs) continue;
    const id = samples[index];
    if (id !== undefined) hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const ms = (Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime)) / 1000;
  return { hits, ms: Math.max(0, ms) };
}

export interface Hotspot {
  name: string;
  /** Share of the samples in which the process was busy (idle excluded). */
  share: number;
  ms: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleShare: number;
  selfByFunction: Hotspot[];
  selfByArea: Hotspot[];
  totalByFunction: Hotspot[];
}

const IDLE = '(idle)';

/** `graphql/execution/execute.js` for a package file, `dist/schema/query.js` for ours, else the URL. */
function area(url: string): string {
  if (url === '') return '(native / V8)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
    return `npm ${name}`;
  }
  // The gateway's build: dist/, or another build's folder passed with --gateway-entry (`…/before-dist/`).
  const dist = /\/[^/]*dist\/(.*)$/.exec(url);
  if (dist?.[1] !== undefined) return `gateway dist/${dist[1]}`;
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? 'node internals' : url;
  return url;
}

function functionKey(frame: CallFrame): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  return `${name} — ${area(frame.url).replace(/^npm |^gateway /, '')}:${frame.lineNumber + 1}`;
}

/**
 * Code compiled at run time (zod's `new Function` object parsers) has neither name nor URL; it is charged to
 * the function that called it, so that it shows up under its library rather than as a blank line.
 */
function isGenerated(frame: CallFrame): boolean {
  return frame.url === '' && frame.functionName === '';
}

function top(map: Map<string, number>, busyHits: number, msPerHit: number, limit: number): Hotspot[] {
  return [...map.entries()]
    .filter(([name]) => name !== IDLE)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, share: hits / busyHits, ms: hits * msPerHit }));
}

export function summariseProfile(path: string, limit = 20, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  if (window !== undefined) {
    const { hits } = hitsWithin(profile, window);
    for (const node of profile.nodes) node.hitCount = hits.get(node.id) ?? 0;
    const clipped = {
      from: Math.max(window.fromUs, profile.startTime),
      to: Math.min(window.toUs, profile.endTime),
    };
    profile.startTime = clipped.from;
    profile.endTime = Math.max(clipped.from, clipped.to);
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const msPerHit = totalHits === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / totalHits;
  const idleHits = profile.nodes
    .filter((node) => node.callFrame.functionName === IDLE)
    .reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const busyHits = Math.max(1, totalHits - idleHits);

  const parentOf = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const chargedFrame = (node: ProfileNode): CallFrame => {
    const parent = parentOf.get(node.id);
    if (!isGenerated(node.callFrame) || parent === undefined) return node.callFrame;
    const frame = chargedFrame(parent);
    return { ...frame, functionName: `(generated code) in ${frame.functionName || '(anonymous)'}` };
  };

  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const frame = chargedFrame(node);
    const fn = functionKey(frame);
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + hits);
    const where = frame.url === '' ? frame.functionName : area(frame.url);
    selfByArea.set(where, (selfByArea.get(where) ?? 0) + hits);
  }

  // Inclusive time of the gateway's own functions: each sample counts once for every distinct gateway
  // function on its stack (recursion counted once). Library and runtime frames are left out: they wrap
  // everything (the microtask queue, the executor) and say little about where to change our code.
  const totalByFunction = new Map<string, number>();
  const root = profile.nodes[0];
  const walk = (node: ProfileNode, onStack: Map<string, number>): void => {
    const ours = area(node.callFrame.url).startsWith('gateway ');
    const key = functionKey(node.callFrame);
    if (ours) onStack.set(key, (onStack.get(key) ?? 0) + 1);
    const hits = node.hitCount ?? 0;
    if (hits > 0) {
      for (const fn of onStack.keys()) totalByFunction.set(fn, (totalByFunction.get(fn) ?? 0) + hits);
    }
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (child !== undefined) walk(child, onStack);
    }
    if (!ours) return;
    const depth = (onStack.get(key) ?? 1) - 1;
    if (depth === 0) onStack.delete(key);
    else onStack.set(key, depth);
  };
  if (root !== undefined) walk(root, new Map());

  return {
    busyMs: busyHits * msPerHit,
    idleShare: totalHits === 0 ? 0 : idleHits / totalHits,
    selfByFunction: top(selfByFunction, busyHits, msPerHit, limit),
    selfByArea: top(selfByArea, busyHits, msPerHit, limit),
    totalByFunction: top(totalByFunction, busyHits, msPerHit, limit),
  };
}
