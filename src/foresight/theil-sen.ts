/**
 * Robust trend statistics for foresight (DESIGN §14). Evidence series are short (6–30 scans), noisy and sometimes
 * carry one wild value (a half-finished patch run, a backup window that overlapped the scan), so ordinary least
 * squares — which one outlier can tilt — is the wrong tool. Theil–Sen (the median of all pairwise slopes) tolerates
 * up to ~29 % outliers, needs no distribution assumption and is exact on a clean line; Mann–Kendall answers the
 * separate question "is there a monotonic trend at all, or only noise?" from the signs of pairwise differences.
 */

export interface XY {
  x: number;
  y: number;
}

/** Median of a list (NaN-free input); null for an empty list. Does not modify the input. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Theil–Sen line: slope = median of (yj − yi)/(xj − xi) over all pairs with distinct x; intercept = median of
 * (yi − slope·xi) (Sen's intercept), so the line goes through the robust middle of the data, not through any single
 * (possibly outlying) point. Null when fewer than two distinct x exist (no slope can be measured).
 */
export function theilSen(points: ReadonlyArray<XY>): { slope: number; intercept: number } | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j]!.x - points[i]!.x;
      if (dx !== 0) slopes.push((points[j]!.y - points[i]!.y) / dx);
    }
  }
  const slope = median(slopes);
  if (slope === null) return null;
  const intercept = median(points.map((p) => p.y - slope * p.x))!;
  return { slope, intercept };
}

/**
 * Robust noise scale of the residuals around a line: 1.4826 × the median absolute deviation, which estimates the
 * standard deviation for Gaussian noise while ignoring the outliers Theil–Sen also ignores.
 */
export function residualNoise(points: ReadonlyArray<XY>, line: { slope: number; intercept: number }): number {
  const r = points.map((p) => p.y - (line.intercept + line.slope * p.x));
  const m = median(r) ?? 0;
  return 1.4826 * (median(r.map((v) => Math.abs(v - m))) ?? 0);
}

/**
 * Mann–Kendall trend test: S = Σ sign(yj − yi) over pairs in x order, its variance with the tie correction, and the
 * continuity-corrected normal score Z (positive = rising). |Z| ≥ 1.645 is a one-sided 5 % test; a flat series of
 * pure noise has Z near 0 however large the noise is, which is what keeps noisy-but-flat series quiet.
 */
export function mannKendall(points: ReadonlyArray<XY>): { s: number; z: number } {
  const p = [...points].sort((a, b) => a.x - b.x);
  const n = p.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(p[j]!.y - p[i]!.y);
  const ties = new Map<number, number>();
  for (const q of p) ties.set(q.y, (ties.get(q.y) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  if (variance <= 0 || s === 0) return { s, z: 0 };
  return { s, z: (s - Math.sign(s)) / Math.sqrt(variance) };
}
