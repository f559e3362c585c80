import pino, { type DestinationStream, type Logger } from 'pino';
import { scrub, scrubDeep } from './secrets.js';

/** Field names that hold credentials anywhere in a log object. */
export const REDACT_PATHS = [
  'clientSecret',
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refresh_token',
  'authorization',
  'Authorization',
  '*.clientSecret',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'config.headers.Authorization',
  '*.*.clientSecret',
  '*.*.password',
  '*.*.secret',
];

export interface LoggerOptions {
  level?: string;
  /** Where log lines go; stderr by default so stdout stays a clean report (DESIGN §3). */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.RATCHET_LOG_LEVEL ?? 'info',
      base: { app: 'ratchet' },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: {
        // Second line of defence: scrub registered secret values from messages and arguments.
        logMethod(args, method) {
          const cleaned = args.map((a) => (typeof a === 'string' ? scrub(a) : scrubDeep(a)));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (e: unknown) => scrubDeep(pino.stdSerializers.err(e as Error)),
      },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
