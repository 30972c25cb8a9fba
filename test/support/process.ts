import { type ChildProcess, spawn } from 'node:child_process';

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote to stdout so far: its JSON log lines. */
  output(): string;
  stderr(): string;
}

/**
 * `src/main.ts` in a child process, as `npm start` runs it, listening on a free loopback port. Resolves once
 * it logged the port it listens on. The caller kills it (SIGTERM to test shutdown, SIGKILL to clean up).
 */
export function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ALTUR_API_KEY: '', AURALYTIK_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start: ${output}${stderr}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${output}${stderr}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        const port = Number(match[1]);
        resolve({
          child,
          port,
          url: `http://127.0.0.1:${port}/graphql`,
          output: () => output,
          stderr: () => stderr,
        });
      }
    });
  });
}
