import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { get, obj } from './helpers.js';

describe('tools/scripts/simulators.ts', () => {
  it('prints one JSON line with both URLs and keys, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scripts/simulators.ts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALTUR_SIM_PORT: '0', AURALYTIK_SIM_PORT: '0', DEMO_CHANGES: '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const info = obj(JSON.parse(line));
      const altur = obj(info.altur);
      const auralytik = obj(info.auralytik);
      expect(String(altur.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0$/);
      expect(String(auralytik.url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const list = await get(`${String(altur.url)}/campaigns`, `api-key ${String(altur.apiKey)}`);
      expect(list.status).toBe(200);
      const other = await get(`${String(auralytik.url)}/campaigns`, `Bearer ${String(auralytik.apiKey)}`);
      expect(obj(other.json).totalCount).toBeGreaterThan(0);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      // Churn is on by default, and the one line about it goes to stderr, keeping stdout one JSON line.
      expect(stderr).toMatch(/data changes every 3 s.*DEMO_CHANGES=off or --static/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a DEMO_CHANGES value it does not know, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/scripts/simulators.ts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ALTUR_SIM_PORT: '0', AURALYTIK_SIM_PORT: '0', DEMO_CHANGES: 'sometimes' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    try {
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(stderr).toContain('DEMO_CHANGES must be on or off');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
