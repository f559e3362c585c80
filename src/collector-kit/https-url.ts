/**
 * The vendor URL in a collector's config section. Tokens and secrets travel to it, so it must be https, and it must
 * not carry a query, fragment or credentials (they would leak into logs and provenance). Each collector words the
 * message for its vendor (which URL to copy from where) and adds its own path rules.
 */
import { z } from 'zod';

/** The URL `value` spells, or null when it spells none. */
export function urlOrNull(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** A query, fragment or credentials: what a vendor URL must not carry. */
export function carriesExtras(url: URL): boolean {
  return url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '';
}

/** Why a value is not an acceptable vendor URL, or null when it is. */
export function httpsUrlProblem(value: string): 'not-a-url' | 'not-https' | 'extras' | null {
  const url = urlOrNull(value);
  if (url === null) return 'not-a-url';
  if (url.protocol !== 'https:') return 'not-https';
  return carriesExtras(url) ? 'extras' : null;
}

/** An https URL without query, fragment or credentials, refused with `message` otherwise. `trim` first when asked. */
export function httpsUrl(message: string, opts: { trim?: boolean } = {}) {
  return (opts.trim ? z.string().trim() : z.string()).refine((value) => httpsUrlProblem(value) === null, message);
}

/** `https://host/prefix//` → `https://host/prefix`: paths are appended with a leading slash. */
export function withoutTrailingSlashes(value: string): string {
  return value.replace(/\/+$/, '');
}
