/**
 * Deterministic identifiers. Object ids look like a directory's object ids (random-looking v4 GUIDs) but are derived
 * from (seed, kind, index), and the index is recoverable from the id: `GET /users/{id}/…` must find user i of a
 * 100,000-user tenant without a lookup table.
 */
import { hash32 } from './prng.js';

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** A v4-shaped GUID from the parts (version and variant nibbles set so it passes GUID validators). */
export function guid(...parts: readonly (number | string)[]): string {
  const a = hex8(hash32(...parts, 'a'));
  const b = hex8(hash32(...parts, 'b'));
  const c = hex8(hash32(...parts, 'c'));
  const d = hex8(hash32(...parts, 'd'));
  const variant = ((parseInt(c[0]!, 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}

// An odd multiplier is invertible modulo 2^32: multiplying scatters neighbouring indexes over all 32 bits, so
// consecutive users do not share a visible id suffix, and the inverse recovers the index.
const SCRAMBLE = 0x9e3779b1;
const UNSCRAMBLE = (() => {
  let inv = SCRAMBLE;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(SCRAMBLE, inv));
  return inv >>> 0;
})();

/**
 * A GUID whose last 8 hex digits carry `index`, scrambled under seed-derived masks; the rest is a hash of
 * (seed, kind, index), so a forged or foreign id (right shape, wrong hash) is rejected by {@link indexFromId}.
 */
const MASKS = new Map<string, [number, number]>();
function masks(seed: number, kind: string): [number, number] {
  const key = `${seed}:${kind}`;
  let m = MASKS.get(key);
  if (!m) {
    m = [hash32(seed, kind, 'mask1'), hash32(seed, kind, 'mask2')];
    MASKS.set(key, m);
  }
  return m;
}

export function indexedId(seed: number, kind: string, index: number): string {
  const g = guid(seed, kind, index);
  const [m1, m2] = masks(seed, kind);
  return g.slice(0, 28) + hex8(Math.imul((index ^ m1) >>> 0, SCRAMBLE) ^ m2);
}

/** The index encoded by {@link indexedId}, or null when the id does not belong to (seed, kind). */
export function indexFromId(seed: number, kind: string, id: string, size: number): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [m1, m2] = masks(seed, kind);
  const index = (Math.imul((parseInt(id.slice(28), 16) ^ m2) >>> 0, UNSCRAMBLE) ^ m1) >>> 0;
  if (index >= size) return null;
  return indexedId(seed, kind, index) === id.toLowerCase() ? index : null;
}

/** Base64url text of the given length, deterministic (role assignment ids, serial numbers, tokens in fixtures). */
export function opaque(length: number, ...parts: readonly (number | string)[]): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; out.length < length; i++) {
    let h = hash32(...parts, i);
    for (let k = 0; k < 5 && out.length < length; k++) {
      out += alphabet[h & 63];
      h >>>= 6;
    }
  }
  return out;
}

/** Upper-case alphanumerics (device names, serial numbers). */
export function code(length: number, ...parts: readonly (number | string)[]): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; out.length < length; i++) out += alphabet[hash32(...parts, i) % alphabet.length];
  return out;
}
