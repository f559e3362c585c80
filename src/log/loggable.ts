/**
 * Turns anything a log call is handed into a bounded, plain, secret-free copy that pino can serialise.
 *
 * Why this exists: a log call must never take the process down or leak a credential, whatever it is given. Fastify
 * hands the logger requests (circular, with sockets), axios errors carry their whole request, an upstream error can
 * echo a 10 MB body. So a log value is copied, not trusted:
 * - only plain objects and arrays are descended into, with a cycle guard and bounds on depth, keys, items, total
 *   nodes and total characters; everything else becomes a short placeholder (`[Socket]`, `[Buffer 12 bytes]`);
 * - errors become `{ type, message, stack, code, …, cause }` with their cause chain (cycle-safe, bounded);
 * - strings are scrubbed of registered secrets and cut; keys named like credentials are masked at every depth;
 * - nothing here throws: a getter or proxy that throws becomes `[Unreadable]`.
 * The input is never modified.
 */
import { longestSecretLength, scrub } from './secrets.js';

export interface LogBounds {
  /** Nesting levels kept below the top (deeper values become `[Object]` / `[Array]`). */
  depth: number;
  /** Keys kept per object. */
  keys: number;
  /** Items kept per array. */
  items: number;
  /** Characters kept per string. */
  string: number;
  /** Objects and arrays copied per value. */
  nodes: number;
  /** Characters of strings (and keys) kept per value in all. */
  chars: number;
}

export const DEFAULT_LOG_BOUNDS: Readonly<LogBounds> = { depth: 8, keys: 100, items: 100, string: 8_192, nodes: 1_000, chars: 65_536 };

export const REDACTED = '[REDACTED]';

/** Field names whose values are credentials wherever they appear (case-insensitive, `-`/`_` ignored). */
const SECRET_KEY = /^(clientsecret|password|passwd|secret|apisecret|apikey|xapikey|token|accesstoken|refreshtoken|idtoken|privatekey|integrationcode|apiintegrationcode|authorization|proxyauthorization|cookie|setcookie|csrf|xcsrftoken|sessionid|metricstoken)$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.replace(/[-_]/g, '').toLowerCase());
}

/** A string scrubbed of registered secrets and cut to `max` characters; a secret straddling the cut is masked too. */
export function boundedString(text: string, max: number): string {
  if (text.length <= max) return scrub(text);
  // Scrub a window that holds every secret starting before the cut, then cut.
  const window = scrub(text.slice(0, max + longestSecretLength()));
  return `${window.slice(0, max)}…[${text.length - max} more characters]`;
}

interface Walk {
  bounds: LogBounds;
  nodes: number;
  chars: number;
  /** Objects on the current path (a value met again on its own path is a cycle). */
  path: Set<object>;
}

function str(w: Walk, text: string): string {
  const room = Math.max(0, Math.min(w.bounds.string, w.bounds.chars - w.chars));
  if (room === 0 && text.length > 0) return '[…]';
  const out = boundedString(text, room);
  w.chars += Math.min(text.length, room);
  return out;
}

function protoName(value: object): string {
  try {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
    const name = proto?.constructor?.name;
    return typeof name === 'string' && name !== '' ? name.slice(0, 64) : 'Object';
  } catch {
    return 'Object';
  }
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isErrorLike(value: object): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

/** Fields an error keeps besides type/message/stack/cause: what an operator needs to tell failures apart. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'status', 'statusCode', 'reason', 'reasonCode', 'hostname', 'address', 'port', 'url', 'method'];

function errorObject(w: Walk, e: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.type = read(() => (typeof e.name === 'string' ? e.name : protoName(e)), 'Error');
  out.message = value(w, read(() => e.message, '[Unreadable]'), depth + 1);
  const stack = read(() => e.stack, undefined);
  if (typeof stack === 'string') out.stack = value(w, stack, depth + 1);
  for (const field of ERROR_FIELDS) {
    const v = read(() => (e as unknown as Record<string, unknown>)[field], undefined);
    if (v !== undefined && v !== null && typeof v !== 'object' && typeof v !== 'function') out[field] = value(w, v, depth + 1);
  }
  const errors = read(() => (e as { errors?: unknown }).errors, undefined);
  if (Array.isArray(errors)) out.errors = value(w, errors, depth + 1);
  const cause = read(() => e.cause, undefined);
  if (cause !== undefined) out.cause = value(w, cause, depth + 1);
  return out;
}

function read<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

function object(w: Walk, v: object, depth: number): unknown {
  if (ArrayBuffer.isView(v)) return `[${protoName(v)} ${v.byteLength} bytes]`;
  if (v instanceof ArrayBuffer) return `[ArrayBuffer ${v.byteLength} bytes]`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '[Invalid Date]' : v.toISOString();
  if (v instanceof URL) return str(w, v.password ? v.href.replace(`:${v.password}@`, `:${REDACTED}@`) : v.href);
  const array = Array.isArray(v);
  const error = !array && isErrorLike(v);
  if (!array && !error && !isPlain(v)) {
    if (v instanceof Map || v instanceof Set) return `[${protoName(v)} ${v.size}]`;
    // Sockets, requests, streams, class instances: their content is not ours to walk (serializers pick fields).
    return `[${protoName(v)}]`;
  }
  if (w.path.has(v)) return '[Circular]';
  if (depth > w.bounds.depth) return array ? '[Array]' : '[Object]';
  if (++w.nodes > w.bounds.nodes) return '[…]';
  w.path.add(v);
  try {
    if (error) return errorObject(w, v, depth);
    if (array) {
      const list = v as unknown[];
      const n = Math.min(list.length, w.bounds.items);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(value(w, read(() => list[i], '[Unreadable]'), depth + 1));
      if (list.length > n) out.push(`…[${list.length - n} more items]`);
      return out;
    }
    const keys = Object.keys(v);
    const n = Math.min(keys.length, w.bounds.keys);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const outKey = str(w, key.length > 128 ? key.slice(0, 128) : key);
      out[outKey] = isSecretKey(key) ? REDACTED : value(w, read(() => (v as Record<string, unknown>)[key], '[Unreadable]'), depth + 1);
    }
    if (keys.length > n) out['…'] = `${keys.length - n} more keys`;
    return out;
  } finally {
    w.path.delete(v);
  }
}

function value(w: Walk, v: unknown, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      return str(w, v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return v;
    case 'bigint':
      return v.toString();
    case 'symbol':
      return str(w, v.toString());
    case 'function':
      return `[Function ${read(() => v.name, '') || 'anonymous'}]`.slice(0, 80);
    default:
      if (v === null) return null;
      return read(() => object(w, v as object, depth), '[Unreadable]');
  }
}

/** A bounded, plain, secret-free copy of `v` for a log line. Never throws. */
export function loggable(v: unknown, bounds: LogBounds = DEFAULT_LOG_BOUNDS): unknown {
  const w: Walk = { bounds, nodes: 0, chars: 0, path: new Set() };
  return read(() => value(w, v, 0), '[Unserializable]');
}


/**
 * The merging object of a log call, as pino's `formatters.log` gets it: each field copied by `loggable` under one
 * shared budget, except the fields in `passThrough`, whose serializers do the same on their own.
 */
export function loggableFields(obj: unknown, passThrough: ReadonlySet<string>, bounds: LogBounds = DEFAULT_LOG_BOUNDS): Record<string, unknown> {
  const w: Walk = { bounds, nodes: 0, chars: 0, path: new Set() };
  return read(
    () => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || !isPlain(obj)) return { value: value(w, obj, 0) };
      const out: Record<string, unknown> = {};
      const keys = Object.keys(obj);
      w.path.add(obj);
      for (const key of keys.slice(0, bounds.keys)) {
        const v = read(() => (obj as Record<string, unknown>)[key], '[Unreadable]');
        out[key] = passThrough.has(key) ? v : isSecretKey(key) ? REDACTED : read(() => value(w, v, 1), '[Unserializable]');
      }
      if (keys.length > bounds.keys) out['…'] = `${keys.length - bounds.keys} more keys`;
      return out;
    },
    { value: '[Unserializable]' },
  );
}
