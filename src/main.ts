import { createServer } from 'node:http';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { createGateway } from './gateway.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function start() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'campaign-gateway' },
    // Defence in depth: no code path logs these, and if one ever does, pino blanks them.
    redact: ['req.headers.authorization', 'headers.authorization', 'authorization', 'apiKey'],
  });
  let stopping = false;
  const gateway = await createGateway(config, logger, { isShuttingDown: () => stopping });
  const server = createServer(gateway.app);
  gateway.serveWebSockets(server);

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    logger.info(
      { port, providers: config.providers.map((provider) => provider.provider) },
      `campaign gateway listening on http://${config.host}:${port}/graphql`,
    );
  });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      await gateway.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await start();
