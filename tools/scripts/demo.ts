import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createGateway } from '../../src/gateway.js';
import {
  churnNotice,
  churnRequested,
  sendAlturWebhooks,
  startChurn,
  startSimulators,
} from '../simulators/index.js';

// `npm run demo`: both provider simulators with generated data on loopback, and the real gateway in front of
// them. No keys, no network. Honours PORT and HOST like the real gateway. The data changes every few
// seconds, as the providers' does, so GraphiQL shows a living list; DEMO_CHANGES=off or --static stops that.

const churnOn = churnRequested(process.env, process.argv.slice(2));
// A secret made for this run: the Altur simulator signs its status changes with it, as Altur would.
const webhookSecret = randomBytes(32).toString('base64');

const simulators = await startSimulators({
  altur: { count: 180, seed: 20_251_003 },
  auralytik: { count: 140, seed: 20_240_110 },
});
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'development',
  HOST: process.env.HOST ?? '127.0.0.1',
  ALTUR_API_KEY: simulators.altur.apiKey,
  ALTUR_BASE_URL: simulators.altur.url,
  AURALYTIK_API_KEY: simulators.auralytik.apiKey,
  AURALYTIK_BASE_URL: simulators.auralytik.url,
  ALTUR_WEBHOOK_SECRET: webhookSecret,
  AURALYTIK_POLL_INTERVAL_MS: process.env.AURALYTIK_POLL_INTERVAL_MS ?? '5000',
});
const logger = pino({ level: config.logLevel });
const churn = churnOn ? startChurn(simulators) : null;
const gateway = await createGateway(config, logger);
const server = createServer(gateway.app);
gateway.serveWebSockets(server);
let webhooks: ReturnType<typeof sendAlturWebhooks> | null = null;
server.listen(config.port, config.host, () => {
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  // The bound port, not the asked one: PORT=0 (a free port, as the browser test uses) is then usable too.
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  webhooks = sendAlturWebhooks(simulators.altur, {
    url: `http://${host}:${port}/webhooks/altur`,
    secret: webhookSecret,
    onError: (error) => logger.warn({ detail: String(error) }, 'demo: webhook delivery failed'),
  });
  logger.info('demo: subscription campaignEvents streams Altur webhooks and Auralytik polling (see README)');
  logger.info(`demo: GraphiQL at http://${host}:${port}/graphql (simulated Altur and Auralytik data)`);
  if (churn !== null) logger.info(`demo: ${churnNotice(churn.intervalMs)}`);
});

const stop = async () => {
  await churn?.stop();
  webhooks?.stop();
  await webhooks?.settled();
  server.close();
  server.closeAllConnections();
  await gateway.close();
  await simulators.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
