/**
 * What a sliding-window rate limit sees: the most events whose times fall into any half-open window of `ms`
 * (a window starting at an event is the worst case, so only those are tried).
 */
export function busiestWindow(times: readonly number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + ms) j++;
    best = Math.max(best, j - i);
  }
  return best;
}
