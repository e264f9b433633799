import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Fields named like secrets are redacted from every line but the request lines (requestLogger): an
 * error's or a store's details may carry one.
 */
const options = (level: string): LoggerOptions => ({
  level,
  redact: { paths: ['secret', 'password', 'token', '*.secret', '*.password', '*.token'], censor: '[redacted]' },
});

/** The loggers made here, whose redaction is `options`'. */
const ownLoggers = new WeakSet<Logger>();

function own(logger: Logger): Logger {
  ownLoggers.add(logger);
  return logger;
}

/**
 * The logger for the request lines. Their fields are the server's own (method, a path whose query values
 * are kept only when they are numbers, status, time), never a header, a body or a token, so our
 * redaction has nothing to find in them, and one of our loggers writes them without it: @pinojs/redact
 * walks every path, wildcards over every field, for every line, which took two thirds of a getRoom's
 * instructions for its line (and 12 against 6.5 µs CPU for a line written alone). A host's own logger
 * (ChitChatOptions.logger) keeps its redaction, which may hide what ours does not (the path).
 */
export function requestLogger(logger: Logger): Logger {
  return ownLoggers.has(logger) ? logger.child({}, { redact: { paths: [] } }) : logger;
}

/** One JSON line per event on stdout, for machines. */
export function createLogger(level: string): Logger {
  return own(pino(options(level)));
}

/**
 * The same events in lines a person reads, for a terminal (pino-pretty, loaded only then). Synchronous,
 * in this thread: what is logged just before the process exits is not lost.
 */
export async function createTerminalLogger(level: string): Promise<Logger> {
  const { default: pretty } = await import('pino-pretty');
  return own(pino(options(level), pretty({ sync: true, singleLine: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' })));
}
