/**
 * Every secret value resolved from config is registered here so that it can be scrubbed from any string that
 * leaves the process (log lines, error messages, reports), whatever path it travelled. pino `redact` covers known
 * field names; this covers the rest (a secret echoed inside an upstream error message, say).
 */
const secrets = new Set<string>();
const MASK = '[REDACTED]';

export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words; real credentials are long.
  if (value && value.length >= 6) secrets.add(value);
}

export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** Deep-scrub any JSON-like value (used on log objects and reports before they leave the process). */
export function scrubDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v)) as T;
  if (value && typeof value === 'object') {
    if (value instanceof Error) {
      const e = new Error(scrub(value.message));
      e.name = value.name;
      e.stack = value.stack ? scrub(value.stack) : undefined;
      return e as T;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubDeep(v);
    return out as T;
  }
  return value;
}

/** For tests. */
export function clearSecrets(): void {
  secrets.clear();
}
