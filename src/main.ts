#!/usr/bin/env node
import { ConfigError, loadConfig } from './config.js';
import { createLogger, createTerminalLogger } from './logger.js';
import { listen } from './server.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

/** Where a browser on this machine finds the server: every-interface addresses are not places to go. */
function browserUrl(host: string, port: number, basePath: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}${basePath}/`;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`chitchat: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = process.stdout.isTTY ? await createTerminalLogger(config.logLevel) : createLogger(config.logLevel);
  const running = await listen(config, { logger });
  // For the person who started it; on stderr, so that stdout stays the log's.
  console.error(`Chat on ${browserUrl(config.host, running.port, config.basePath)}  ·  API docs on ${config.basePath}/docs  ·  Ctrl+C to stop`);
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // A shutdown that hangs (a store that never answers) must not keep the process from ending.
    setTimeout(() => {
      logger.error({ afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('chitchat: failed to start:', err);
  process.exit(1);
});
