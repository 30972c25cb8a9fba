import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// Linux /proc readings of the processes under test. Every function here is specific to Linux.

/** Clock ticks per second: the unit of utime and stime in /proc/<pid>/stat. */
export const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** Fields 3 onwards of /proc/<pid>/stat: index 0 is the man page's field 3. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User plus system CPU of every thread of the process so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const fields = statFields(pid);
  // Fields 14 and 15 of the man page.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1_000_000;
}

/**
 * Minor page faults of the process so far (field 10): memory touched for the first time since it was
 * mapped. On a virtual machine whose host backs guest pages lazily each one can cost tens of µs, so a server
 * that keeps mapping and unmapping memory (large objects, a heap that grows and shrinks) pays for it in CPU.
 */
export function minorFaults(pid: number): number {
  return Number(statFields(pid)[7]);
}

/**
 * CPU time the whole machine spent busy so far (every CPU, user + nice + system + irq + softirq + steal), in
 * microseconds. Compared with the bench's own processes it shows whether something else ran during a row.
 */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const ticks = [user, nice, system, irq, softirq, steal].reduce<number>(
    (sum, value) => sum + (value ?? 0),
    0,
  );
  return (ticks / CLOCK_TICKS_PER_SECOND) * 1_000_000;
}

/** A `VmXxx:  1234 kB` value from /proc/<pid>/status, in MiB. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? null : Number(match[1]) / 1024;
}

export function peakRssMiB(pid: number): number | null {
  return statusMiB(pid, 'VmHWM');
}

/**
 * Resets the process's peak RSS to its current RSS (Linux >= 4.0), so VmHWM measures one scenario rather than
 * the process's lifetime. False where /proc does not allow it; the peak is then cumulative.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  kernel: string;
}

export function describeMachine(): Machine {
  let cpuModel = 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) cpuModel = match[1].trim();
  } catch {
    // Not Linux, or /proc hidden: the table still stands without the model name.
  }
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // As above.
  }
  return { cpus: availableParallelism(), cpuModel, node: process.version, kernel };
}
