import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Request logs carry method, path, status and timing only: headers and bodies are never
 * serialized, so tokens, passwords and secrets cannot reach the log.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['secret', 'password', 'token', '*.secret', '*.password', '*.token'], censor: '[redacted]' },
  });
}
