import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { get, obj } from './helpers.js';

describe('src/scripts/simulators.ts', () => {
  it('prints one JSON line with both URLs and keys, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/scripts/simulators.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ALTUR_SIM_PORT: '0', AURALYTIK_SIM_PORT: '0' },
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
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
