import { readFileSync } from 'node:fs';
import { z } from 'zod';

// What holds a server's memory: samples from the probe preloaded into it (probe.ts) while a row runs, and a
// summary of a V8 heap snapshot by constructor.

const space = z.object({ size: z.number(), used: z.number() });
const memorySample = z.object({
  rss: z.number(),
  heapTotal: z.number(),
  heapUsed: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
  mallocedMemory: z.number(),
  heapSizeLimit: z.number(),
  spaces: z.record(z.string(), space),
});
export type MemorySample = z.infer<typeof memorySample>;

export async function readMemory(probeUrl: string): Promise<MemorySample> {
  const response = await fetch(`${probeUrl}/memory`);
  return memorySample.parse(await response.json());
}

export interface MemoryPeak {
  /** The sample with the largest RSS, which explains the peak. */
  atPeak: MemorySample;
  /** The largest V8 heap committed and used over the samples, which need not coincide with the RSS peak. */
  maxHeapTotal: number;
  maxHeapUsed: number;
  samples: number;
}

/**
 * Samples the probe every `intervalMs` until stopped. One sample at a time: a server too busy to answer
 * delays the next sample rather than piling requests on it.
 */
export function sampleMemory(probeUrl: string, intervalMs = 250): { stop(): Promise<MemoryPeak | null> } {
  let peak: MemoryPeak | null = null;
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const take = async () => {
    try {
      const sample = await readMemory(probeUrl);
      if (peak === null) {
        peak = { atPeak: sample, maxHeapTotal: sample.heapTotal, maxHeapUsed: sample.heapUsed, samples: 1 };
      } else {
        if (sample.rss > peak.atPeak.rss) peak.atPeak = sample;
        peak.maxHeapTotal = Math.max(peak.maxHeapTotal, sample.heapTotal);
        peak.maxHeapUsed = Math.max(peak.maxHeapUsed, sample.heapUsed);
        peak.samples += 1;
      }
    } catch {
      // A missed sample leaves the others; the peak RSS itself comes from /proc, not from here.
    }
  };
  const loop = async () => {
    while (!stopped) {
      pending = take();
      await pending;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await pending;
      return peak;
    },
  };
}

export const MIB = 1024 * 1024;

/** New space (the young generation) is sized for throughput; the rest of the heap is what survives. */
export function youngGenerationBytes(sample: MemorySample): number {
  return (sample.spaces.new_space?.size ?? 0) + (sample.spaces.new_large_object_space?.size ?? 0);
}

export interface HeapClass {
  name: string;
  count: number;
  selfBytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  byClass: HeapClass[];
}

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/**
 * Shallow size by constructor (objects), or by kind (strings, arrays, compiled code, closures…): which kinds
 * of object fill the heap. Shallow, not retained: enough to tell a cache of pages from a pile of closures.
 */
export function summariseHeapSnapshot(path: string, limit = 15): HeapSummary {
  const file = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshotFile;
  return summariseHeap(file, limit);
}

export function summariseHeap(file: HeapSnapshotFile, limit = 15): HeapSummary {
  const fields = file.snapshot.meta.node_fields;
  const types = file.snapshot.meta.node_types[0];
  if (!Array.isArray(types)) throw new Error('heap snapshot without node types');
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const classes = new Map<string, HeapClass>();
  let total = 0;
  let nodes = 0;
  for (let offset = 0; offset + width <= file.nodes.length; offset += width) {
    const type = String(types[file.nodes[offset + typeAt] ?? 0] ?? 'unknown');
    const name = file.strings[file.nodes[offset + nameAt] ?? 0] ?? '';
    const size = file.nodes[offset + sizeAt] ?? 0;
    const key = classOf(type, name);
    const entry = classes.get(key) ?? { name: key, count: 0, selfBytes: 0 };
    entry.count += 1;
    entry.selfBytes += size;
    classes.set(key, entry);
    total += size;
    nodes += 1;
  }
  const byClass = [...classes.values()].sort((a, b) => b.selfBytes - a.selfBytes).slice(0, limit);
  return { totalBytes: total, nodes, byClass };
}

function classOf(type: string, name: string): string {
  switch (type) {
    case 'object':
    case 'native':
      return name === '' ? `(${type})` : name;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(strings)';
    case 'hidden':
    case 'object shape':
      // V8's own structures: maps (hidden classes), descriptor arrays, feedback vectors and the like.
      return name === '' ? `(${type})` : name;
    default:
      return `(${type})`;
  }
}
