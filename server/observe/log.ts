import { type DestinationStream, type Logger, pino } from 'pino';
import { StdoutLog } from './stdout-log.ts';

export type { Logger } from 'pino';

/**
 * The server's structured logger (JSON lines on stdout). What it may carry is deliberately
 * narrow: events (connect, disconnect, violation, lifecycle) with transport, IP, path and close
 * codes. Never message bodies, query strings or tokens: `redact` is a second line of defence
 * for the headers and fields that could hold a secret if a caller logged them by mistake.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { app: 'pushrace' },
    redact: {
      paths: ['token', 'authorization', 'headers.authorization', 'req.headers.authorization', 'body', 'url'],
      censor: '[redacted]',
    },
  };
  // Tests pass a stream to read the lines back; the server writes to stdout.
  return pino(options, destination ?? new StdoutLog());
}

/** A logger that writes nothing: for apps built without a server (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
