import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { killAllNow, stopAll } from './children.js';
import { parseBenchOptions, USAGE } from './options.js';
import { benchmark, profile } from './run.js';

// `npm run bench [-- options]`: the only module that reads the command line or installs signal handlers, and
// only when it is the program being run; this module and everything it calls can be imported (by tests, by
// another tool) without side effects.

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options = parseBenchOptions(argv, process.env);
  process.on('exit', killAllNow);
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`bench: ${signal}, stopping the child processes\n`);
      stopAll().finally(() => process.exit(130));
    });
  }
  try {
    await (options.profile ? profile(options) : benchmark(options));
    return 0;
  } catch (error) {
    // Once interrupted, the run fails because its children are gone; that failure is not news.
    if (interrupted) return 130;
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  } finally {
    await stopAll();
  }
}

function isEntry(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
}

if (isEntry()) process.exitCode = await main(process.argv.slice(2));
