import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

// The bench's child processes: each is tracked from spawn to exit so that no exit path of the parent
// (normal end, thrown error, Ctrl-C) leaves one running.

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/**
 * The child's stdout is piped, never inherited: the bench's own stdout carries only the table. Call
 * `readyLine` or `forwardStdout` so a chatty child does not block on a full pipe.
 */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  // Without a listener a failed spawn (ENOENT) would crash the bench instead of failing this child.
  child.on('error', (error) => process.stderr.write(`${name}: ${error.message}\n`));
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    stop: async (graceMs = 5000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(force);
      } else {
        await exited;
      }
      running.delete(handle);
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/**
 * The child's first stdout line that opens a JSON object, parsed; the rest of its stdout goes to the bench's
 * stderr unless `forward` is false. Lines before it that do not open an object (a GC trace) are skipped.
 */
export function readyLine(child: Child, timeoutMs = 30_000, forward = true): Promise<unknown> {
  const stdout = child.process.stdout;
  if (stdout === null) return Promise.reject(new Error(`${child.name} has no stdout`));
  const lines = createInterface({ input: stdout });
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null, value?: unknown): void => {
      clearTimeout(timer);
      child.process.off('exit', onExit);
      lines.off('line', onLine);
      lines.close();
      if (forward) forwardStdout(child);
      if (error === null) resolve(value);
      else reject(error);
    };
    const onLine = (line: string): void => {
      if (!line.startsWith('{')) {
        // Not the ready line; shown when forwarding, so a child that prints an error and hangs leaves a clue.
        if (forward) process.stderr.write(`${line}\n`);
        return;
      }
      try {
        finish(null, JSON.parse(line));
      } catch {
        finish(new Error(`${child.name} printed ${JSON.stringify(line)} instead of its JSON ready line`));
      }
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`${child.name} exited (${String(code)}) before it was ready`));
    const timer = setTimeout(
      () => finish(new Error(`${child.name} was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    lines.on('line', onLine);
    child.process.once('exit', onExit);
  });
}

export function forwardStdout(child: Child): void {
  child.process.stdout?.pipe(process.stderr, { end: false });
}

/** Polls `url` until it answers 2xx; fails as soon as the child exits. */
export async function waitUntilServing(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited (${String(child.process.exitCode)}) before it was serving`);
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(`${child.name} was not serving ${url} within ${timeoutMs} ms`);
}

/** A port free right now on 127.0.0.1, for a child that does not report the port it bound. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Last resort on process exit: nothing async runs any more, so each child gets SIGKILL. */
export function killAllNow(): void {
  for (const child of running) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }
  running.clear();
}
