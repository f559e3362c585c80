/**
 * Every secret value resolved from config is registered here so that it can be scrubbed from any string that
 * leaves the process (log lines, error messages, reports), whatever path it travelled. pino `redact` and the
 * key-name rule of `loggable` cover known field names; this covers the rest (a secret echoed inside an upstream
 * error message, say).
 *
 * An MSP's config holds hundreds of tenants and so hundreds of secrets, and every log line and report string is
 * scrubbed: matching is one pass over the text with the secrets indexed by their first two characters, not one
 * `includes` per secret.
 */
const MASK = '[REDACTED]';
/** Very short values would mask ordinary words; real credentials are long. */
const MIN_SECRET_LENGTH = 6;

/** Candidate secrets by the char codes of their first two characters, longest first (leftmost-longest match). */
const index = new Map<number, string[]>();
const secrets = new Set<string>();
let longest = 0;

const keyAt = (text: string, i: number) => text.charCodeAt(i) * 65_536 + text.charCodeAt(i + 1);

function add(value: string): void {
  if (secrets.has(value)) return;
  secrets.add(value);
  longest = Math.max(longest, value.length);
  const k = keyAt(value, 0);
  const list = index.get(k) ?? [];
  list.push(value);
  list.sort((a, b) => b.length - a.length);
  index.set(k, list);
}

export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
  add(value);
  // The same value as it appears inside a JSON string (a log line, a stored report): quotes, backslashes and control
  // characters escaped. Registered too, so that scrubbing a serialised line finds it.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) add(escaped);
}

/** Length of the longest registered secret (0 when none): how far a secret can reach past a cut. */
export function longestSecretLength(): number {
  return longest;
}

export function scrub(text: string): string {
  if (secrets.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
  let out = '';
  let last = 0;
  let i = 0;
  while (i + MIN_SECRET_LENGTH <= text.length) {
    const candidates = index.get(keyAt(text, i));
    const hit = candidates?.find((s) => text.startsWith(s, i));
    if (hit) {
      out += text.slice(last, i) + MASK;
      i += hit.length;
      last = i;
    } else i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Deep-scrub a JSON-like value (reports and evidence bundles before they are stored or printed). Unbounded — a
 * report must keep all its content — but cycle-safe: a value met again on its own path becomes "[Circular]".
 * Logging does not use this; it uses the bounded `loggable` (src/log/loggable.ts).
 */
export function scrubDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return walk(value, new Set()) as T;
}

function walk(value: unknown, path: Set<object>): unknown {
  if (typeof value === 'string') return scrub(value);
  if (!value || typeof value !== 'object') return value;
  if (path.has(value)) return '[Circular]';
  if (value instanceof Error) {
    const e = new Error(scrub(value.message));
    e.name = value.name;
    e.stack = value.stack ? scrub(value.stack) : undefined;
    return e;
  }
  path.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, path));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = walk(v, path);
    return out;
  } finally {
    path.delete(value);
  }
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
  index.clear();
  longest = 0;
}
