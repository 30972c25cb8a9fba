import { describe, expect, it } from 'vitest';
import { sumGcTrace } from '../../tools/bench/alloc.js';

// Lines as node 20's --trace-gc-nvp writes them (shortened: the fields the sum reads, in their places).
const scavenge =
  '[1:0x1]  92 ms: pause=3.4 mutator=84.7 gc=s reduce_memory=0 scavenge=3.14 total_size_before=5060984 allocated=5060984 promoted=1024 new_space_survived=470344';
const markCompact =
  '[1:0x1]  900 ms: pause=12.5 mutator=10.0 gc=ms reduce_memory=0 allocated=2048 promoted=0 total_size_after=100';

describe('sumGcTrace', () => {
  it('adds up allocation, promotion and pauses, and counts scavenges apart from full collections', () => {
    expect(sumGcTrace([scavenge, scavenge, markCompact, 'a log line, not the trace'])).toEqual({
      allocated: 2 * 5060984 + 2048,
      promoted: 2048,
      pauseMs: 3.4 + 3.4 + 12.5,
      scavenges: 2,
      full: 1,
    });
  });

  it('reads an empty trace as nothing', () => {
    expect(sumGcTrace([])).toEqual({ allocated: 0, promoted: 0, pauseMs: 0, scavenges: 0, full: 0 });
  });
});
