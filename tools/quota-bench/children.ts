import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

// Every process the bench starts is tracked from spawn to exit, so that no way out of the bench (normal
// end, thrown error, Ctrl-C) leaves a simulator, gateway or Redis running. This is a copy in spirit of the
// `npm run bench` helper rather than an import of it: that bench is moving to tools/bench on another
// branch, and the two tools should not depend on each other's layout.

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * A pipe on the child's stdin that the child may watch: it closes when the bench dies, even by SIGKILL,
   * which is the only signal a child can notice then. Only our own simulator runner watches it.
   */
  stdinPipe?: boolean;
}

/**
 * stdout is piped, never inherited: the bench's own stdout carries only the report. Call `readyLine` or
 * `forwardOutput` so that a chatty child does not block on a full pipe. stderr is prefixed and forwarded.
 */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const child = spawn(command, args, {
    stdio: [options.stdinPipe === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  // Without a listener a failed spawn (ENOENT) would crash the bench instead of failing this child.
  child.on('error', (error) => process.stderr.write(`[${name}] ${error.message}\n`));
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  prefixLines(name, child.stderr);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const handle: Child = {
    name,
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

function prefixLines(name: string, stream: NodeJS.ReadableStream | null): void {
  if (stream === null) return;
  createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
}

/** The child's first stdout line parsed as JSON; every later line goes to `onLine` (default: stderr). */
export function readyLine(
  child: Child,
  timeoutMs = 30_000,
  onLine: (line: string) => void = (line) => process.stderr.write(`[${child.name}] ${line}\n`),
): Promise<unknown> {
  const stdout = child.process.stdout;
  if (stdout === null) return Promise.reject(new Error(`${child.name} has no stdout`));
  const lines = createInterface({ input: stdout });
  return new Promise((resolve, reject) => {
    let ready = false;
    const finish = (error: Error | null, value?: unknown): void => {
      clearTimeout(timer);
      child.process.off('exit', onExit);
      if (error === null) resolve(value);
      else reject(error);
    };
    const onExit = (code: number | null): void =>
      finish(new Error(`${child.name} exited (${String(code)}) before it was ready`));
    const timer = setTimeout(
      () => finish(new Error(`${child.name} was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    lines.on('line', (line) => {
      if (ready) {
        onLine(line);
        return;
      }
      ready = true;
      try {
        finish(null, JSON.parse(line));
      } catch {
        finish(new Error(`${child.name} printed ${JSON.stringify(line)} instead of its JSON ready line`));
      }
    });
    child.process.once('exit', onExit);
  });
}

/** Forwards stdout (the gateway's pino lines at warn and above) to stderr, prefixed with the name. */
export function forwardOutput(child: Child): void {
  prefixLines(child.name, child.process.stdout);
}

/** Polls `url` until it answers 2xx; fails as soon as the child exits. */
export async function waitUntilServing(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited (${String(child.process.exitCode)}) before it was serving`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${child.name} was not serving ${url} within ${timeoutMs} ms`);
}

/**
 * A port free right now on 127.0.0.1, for a child that cannot be told to bind port 0 and report it (the
 * gateway, redis-server). Another process could take it before the child binds; the child then fails to
 * start and the bench says so, which is acceptable for a dev tool.
 */
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

/**
 * Stops every child on SIGINT/SIGTERM (exit 130/143) and SIGKILLs any left at exit. Returns a function that
 * removes the signal handlers again.
 */
export function stopChildrenOnExit(): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the bench's processes\n`);
    const code = signal === 'SIGINT' ? 130 : 143;
    // Bounded: each stop() escalates to SIGKILL after its grace period.
    void stopAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
