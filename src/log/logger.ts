/**
 * The process logger (pino). A log call must never throw and never leak a credential, whatever it is given — a
 * fastify request, an axios error with its socket, a 10 MB upstream body, a cycle. So, in the places pino provides:
 * - `formatters.log` / `formatters.bindings` replace the logged object by a bounded, plain, scrubbed copy
 *   (src/log/loggable.ts) — except the fields that have serializers;
 * - `serializers` for `err`/`error`, `req`/`request` and `res`/`reply` pick the fields worth keeping (never headers,
 *   cookies, bodies or query strings) and bound them the same way;
 * - `hooks.logMethod` scrubs and cuts the message strings (and gives an error logged on its own a scrubbed message);
 * - `redact` masks credential fields by path, and the destination scrubs registered secret values from each finished
 *   line once more — the last line of defence for anything a future serializer lets through.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { boundedString, DEFAULT_LOG_BOUNDS, loggable, loggableFields, REDACTED } from './loggable.js';
import { scrub } from './secrets.js';

/** Field names that hold credentials (pino `redact`); `loggable` masks the same names at any depth. */
export const REDACT_PATHS = [
  'clientSecret',
  'password',
  'secret',
  // PSA credentials (DESIGN §13): ConnectWise's private key, Autotask's integration code.
  'privateKey',
  'integrationCode',
  '*.privateKey',
  '*.integrationCode',
  '*.*.privateKey',
  '*.*.integrationCode',
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
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.headers.Authorization',
  '*.*.clientSecret',
  '*.*.password',
  '*.*.secret',
];

/** Longest message string kept (a log line is for people and grep, not a dump). */
const MAX_MESSAGE = 8_192;

export interface LoggerOptions {
  level?: string;
  /** Where log lines go; stderr by default so stdout stays a clean report (DESIGN §3). */
  destination?: DestinationStream;
}

const read = <T>(get: () => T, fallback: T): T => {
  try {
    return get();
  } catch {
    return fallback;
  }
};

/** The path of a request URL without its query string (queries can carry secrets), cut for the log. */
export function logPath(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const q = url.search(/[?#]/);
  return boundedString(q === -1 ? url : url.slice(0, q), 512);
}

/** A fastify request or a Node IncomingMessage, as a log line wants it. */
function requestSerializer(req: unknown): unknown {
  if (!req || typeof req !== 'object') return loggable(req);
  const r = req as Record<string, unknown> & { routeOptions?: { url?: unknown }; socket?: { remoteAddress?: unknown } };
  return loggable({
    method: read(() => (typeof r.method === 'string' ? r.method : undefined), undefined),
    path: read(() => logPath(r.url), undefined),
    route: read(() => (typeof r.routeOptions?.url === 'string' ? r.routeOptions.url : undefined), undefined),
    remoteAddress: read(() => (typeof r.ip === 'string' ? r.ip : typeof r.socket?.remoteAddress === 'string' ? r.socket.remoteAddress : undefined), undefined),
  });
}

/** A fastify reply or a Node ServerResponse: its status only. */
function replySerializer(res: unknown): unknown {
  if (!res || typeof res !== 'object') return loggable(res);
  const statusCode = read(() => (res as { statusCode?: unknown }).statusCode, undefined);
  return { statusCode: typeof statusCode === 'number' ? statusCode : undefined };
}

const SERIALIZERS: Record<string, (v: unknown) => unknown> = {
  // An error becomes { type, message, stack, code, …, cause }; a string or other value under these names stays as it is.
  err: (e) => loggable(e),
  error: (e) => loggable(e),
  req: requestSerializer,
  request: requestSerializer,
  res: replySerializer,
  reply: replySerializer,
};
const SERIALIZED = new Set(Object.keys(SERIALIZERS));

const message = (s: string) => boundedString(s, MAX_MESSAGE);

/** The arguments of a log call, made safe: messages scrubbed and cut; an error on its own gets a safe message. */
function safeArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  const tail = rest.map((a) => (typeof a === 'string' ? message(a) : loggable(a)));
  if (typeof first === 'string') return [message(first), ...tail];
  if (first instanceof Error) {
    // pino would take the message straight from the error, past every scrubber.
    const msg = tail.length > 0 && typeof tail[0] === 'string' ? tail.shift() : message(String(read(() => first.message, '')));
    return [{ err: first }, msg, ...tail];
  }
  if (first && typeof first === 'object' && tail.length === 0) {
    const err = read(() => (first as { err?: unknown }).err, undefined);
    const hasMsg = read(() => (first as { msg?: unknown }).msg !== undefined, true);
    if (err instanceof Error && !hasMsg) return [first, message(String(read(() => err.message, '')))];
  }
  return [first, ...tail];
}

/** The destination, scrubbing each finished line of registered secret values. */
function scrubbing(dest: DestinationStream): DestinationStream {
  const d = dest as DestinationStream & { flush?: (cb?: () => void) => void; flushSync?: () => void };
  return {
    write: (line: string) => d.write(scrub(line)),
    ...(d.flush ? { flush: d.flush.bind(d) } : {}),
    ...(d.flushSync ? { flushSync: d.flushSync.bind(d) } : {}),
  } as DestinationStream;
}

export function loggerOptions(level?: string): PinoOptions {
  return {
    level: level ?? process.env.RATCHET_LOG_LEVEL ?? 'info',
    base: { app: 'ratchet' },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: SERIALIZERS,
    formatters: {
      log: (obj) => loggableFields(obj, SERIALIZED, DEFAULT_LOG_BOUNDS),
      bindings: (bindings) => loggableFields(bindings, SERIALIZED, DEFAULT_LOG_BOUNDS),
    },
    hooks: {
      logMethod(args, method) {
        let safe: unknown[];
        try {
          safe = safeArgs(args);
        } catch {
          safe = [{ logArgs: '[Unserializable]' }, 'log call with unreadable arguments'];
        }
        try {
          method.apply(this, safe as Parameters<typeof method>);
        } catch (e) {
          // A broken destination or a serializer bug must not turn a log call into a crash; say so once, plainly.
          read(() => process.stderr.write(`ratchet: a log line was dropped: ${message(String(read(() => (e as Error).message, 'unknown error')))}\n`), true);
        }
      },
    },
  };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(loggerOptions(opts.level), scrubbing(opts.destination ?? pino.destination({ fd: 2, sync: true })));
}
