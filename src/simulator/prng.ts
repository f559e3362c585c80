/**
 * Seeded randomness for the simulator. Everything a tenant shows is a pure function of (seed, index), so the same
 * seed always yields the same pages, and row i of a 100,000-user tenant can be computed on demand without
 * materialising rows 0…i-1 (the scanner's memory benchmark may share the process with the simulator).
 */

/** murmur3's 32-bit finaliser: cheap avalanche so neighbouring inputs give unrelated outputs. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string, finalised. Used to turn names (tenant ids, URLs, salts) into numbers. */
// Salts and kinds ('a', 'mask1', 'reg-updated', …) are hashed millions of times at 100,000 users: remember them.
const STRING_HASHES = new Map<string, number>();
const STRING_HASH_CACHE_LIMIT = 4096;

export function hashString(s: string): number {
  const cached = STRING_HASHES.get(s);
  if (cached !== undefined) return cached;
  const h = fnv1a(s);
  if (s.length <= 64 && STRING_HASHES.size < STRING_HASH_CACHE_LIMIT) STRING_HASHES.set(s, h);
  return h;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Hash any mix of numbers and strings into one unsigned 32-bit value. Order matters. */
export function hash32(...parts: readonly (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const v = typeof p === 'number' ? p >>> 0 : hashString(p);
    // Fold the high bits of large (non-32-bit) numbers in too, so indexes above 2^32 still differ.
    const hi = typeof p === 'number' && Math.abs(p) >= 0x1_0000_0000 ? Math.floor(p / 0x1_0000_0000) >>> 0 : 0;
    h = fmix32((h ^ v) + Math.imul(hi, 0x27d4eb2f) + 0x632be5ab);
  }
  return h;
}

/** A uniform float in [0, 1) determined by the parts. */
export function unitFloat(...parts: readonly (number | string)[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** Pick one element deterministically. */
export function pick<T>(items: readonly T[], ...parts: readonly (number | string)[]): T {
  return items[hash32(...parts) % items.length]!;
}

/** mulberry32: a tiny seeded sequence generator, for the few places that want a stream rather than a hash. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Normalise a seed given as a number or a string. */
export function seedOf(seed: number | string): number {
  return typeof seed === 'number' ? hash32(seed) : hashString(seed);
}
