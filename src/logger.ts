import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Request logs carry method, path, status and timing only: headers and bodies are never
 * serialized, so tokens, passwords and secrets cannot reach the log.
 */
const options = (level: string): LoggerOptions => ({
  level,
  redact: { paths: ['secret', 'password', 'token', '*.secret', '*.password', '*.token'], censor: '[redacted]' },
});

/**
 * The logger for the request lines, `logger` without its redaction: their fields are the server's own
 * (method, a path whose query values are kept only when they are numbers, status, time), never a header,
 * a body or a token, so redaction has nothing to find in them. It was half a line's cost: @pinojs/redact
 * walks every path, wildcards over every field, for every line (12 against 6.5 µs a line alone).
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}

/** One JSON line per event on stdout, for machines. */
export function createLogger(level: string): Logger {
  return pino(options(level));
}

/**
 * The same events in lines a person reads, for a terminal (pino-pretty, loaded only then). Synchronous,
 * in this thread: what is logged just before the process exits is not lost.
 */
export async function createTerminalLogger(level: string): Promise<Logger> {
  const { default: pretty } = await import('pino-pretty');
  return pino(options(level), pretty({ sync: true, singleLine: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }));
}
