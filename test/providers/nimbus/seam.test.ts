import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Issue 14: a provider is its folder and a registry line. These checks keep the proof honest: Nimbus reuses
// only what src/ offers every provider, and src/ does not know it exists.

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../../..');
const src = join(root, 'src');

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g;

describe('the Nimbus folder', () => {
  it('imports only from itself, packages, node and the shared parts of src/', () => {
    const offending: string[] = [];
    for (const file of filesUnder(here)) {
      for (const [, specifier = ''] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (!specifier.startsWith('.')) continue;
        const resolved = resolve(dirname(file), specifier);
        const target = relative(root, resolved);
        const inFolder = !relative(here, resolved).startsWith('..');
        // A folder under src/providers/ is another provider's own: borrowing from it would hide a gap in the seam.
        const shared = target.startsWith('src/') && !/^src\/providers\/[^/]+\//.test(target);
        if (!inFolder && !shared) offending.push(`${relative(root, file)} -> ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('is named nowhere in src/', () => {
    const naming = filesUnder(src).filter((file) => /nimbus/i.test(readFileSync(file, 'utf8')));
    expect(naming.map((file) => relative(root, file))).toEqual([]);
  });
});
