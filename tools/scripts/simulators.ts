import { churnNotice, churnRequested, startChurn, startSimulators } from '../simulators/index.js';
import { closeOnStopSignal } from './stopSignals.js';

// Runs both provider simulators with demo data for `npm run demo` and manual exploration.
// stdout carries exactly one JSON line (the URLs and keys) so a parent process can read it; anything else goes
// to stderr. The data changes every few seconds unless DEMO_CHANGES=off or --static.

const churnOn = churnRequested(process.env, process.argv.slice(2));

function portFromEnv(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  }
  return port;
}

const simulators = await startSimulators({
  altur: { port: portFromEnv('ALTUR_SIM_PORT'), count: 180, seed: 20_251_003 },
  auralytik: { port: portFromEnv('AURALYTIK_SIM_PORT'), count: 140, seed: 20_240_110 },
});

const churn = churnOn ? startChurn(simulators) : null;
if (churn !== null) process.stderr.write(`${churnNotice(churn.intervalMs)}\n`);

process.stdout.write(
  `${JSON.stringify({
    altur: { url: simulators.altur.url, apiKey: simulators.altur.apiKey },
    auralytik: { url: simulators.auralytik.url, apiKey: simulators.auralytik.apiKey },
  })}\n`,
);

closeOnStopSignal(async () => {
  await churn?.stop();
  await simulators.close();
});
