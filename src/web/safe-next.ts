/**
 * The one post-sign-in redirect check of the web layer (the auth plugin, the fallback sign-in page and the UI pages all
 * use it). No imports, so both src/web/auth.ts and src/web/ui can depend on it without a cycle.
 */

const MAX_LENGTH = 2000;
/**
 * Whitespace and invisible characters anywhere: ASCII controls (browsers silently drop \t \r \n from URLs, so
 * `/\t/evil.example` becomes `//evil.example`), C1 controls, DEL, Unicode format characters (zero-width, bidi
 * overrides) and every Unicode space or line/paragraph separator.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}]/u;
/**
 * Whether `s` is a local absolute path that no browser can read as another origin or a script. Starting with a single
 * `/` already rules out a scheme (`javascript:`, `https:`): a scheme would have to come before the first `/`.
 */
function isLocalPath(s: string): boolean {
  if (!s.startsWith('/') || s.startsWith('//')) return false; // relative paths, schemes, protocol-relative `//host`
  if (s.includes('\\')) return false; // browsers read `\` as `/`: `/\evil.example` is `//evil.example`
  if (INVISIBLE.test(s)) return false;
  return !(s.startsWith('/login') || s.startsWith('/logout')); // no loop back to signing in (or out)
}

/**
 * A same-site path to return to after signing in, or `/`. Refused: anything but a string of at most 2000 characters
 * starting with a single `/`; `\`; whitespace or control characters; a scheme; the sign-in and sign-out pages; and
 * the percent-encoded forms of all of these (`/%2F%2Fevil`, `/%5Cevil`, `/%09/evil`): the value is decoded once and
 * both forms must pass. A malformed escape (`/%E0%A4%A`) is refused too. The value itself is returned unchanged.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > MAX_LENGTH || !isLocalPath(next)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/';
  }
  return isLocalPath(decoded) ? next : '/';
}
