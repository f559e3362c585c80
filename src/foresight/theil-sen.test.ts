import { describe, expect, it } from 'vitest';
import { mannKendall, median, residualNoise, theilSen } from './theil-sen.js';

const line = (n: number, slope: number, intercept: number) => Array.from({ length: n }, (_, x) => ({ x, y: intercept + slope * x }));

describe('theilSen', () => {
  it('recovers the slope and intercept of a clean line exactly', () => {
    const fit = theilSen(line(10, -0.25, 98))!;
    expect(fit.slope).toBeCloseTo(-0.25, 12);
    expect(fit.intercept).toBeCloseTo(98, 12);
  });

  it('ignores outliers that would tilt a least-squares line', () => {
    const pts = line(12, 0.5, 10);
    pts[3] = { x: 3, y: 60 };
    pts[9] = { x: 9, y: -40 };
    const fit = theilSen(pts)!;
    expect(fit.slope).toBeCloseTo(0.5, 6);
    expect(fit.intercept).toBeCloseTo(10, 6);
  });

  it('works on unevenly spaced x and in any order', () => {
    const pts = [0, 3, 7, 8, 15, 21].map((x) => ({ x, y: 5 - 2 * x })).reverse();
    expect(theilSen(pts)!.slope).toBeCloseTo(-2, 12);
  });

  it('is null with fewer than two distinct x', () => {
    expect(theilSen([])).toBeNull();
    expect(theilSen([{ x: 1, y: 2 }])).toBeNull();
    expect(theilSen([{ x: 1, y: 2 }, { x: 1, y: 5 }])).toBeNull();
    expect(theilSen([{ x: 1, y: 2 }, { x: 1, y: 5 }, { x: 2, y: 6 }])).not.toBeNull();
  });
});

describe('median, residual noise and Mann–Kendall', () => {
  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('residual noise is zero on a clean line and ignores one outlier', () => {
    expect(residualNoise(line(8, 1, 0), { slope: 1, intercept: 0 })).toBe(0);
    const wobble = line(9, 0, 50).map((p, i) => ({ x: p.x, y: p.y + (i % 2 ? 1 : -1) }));
    wobble[4] = { x: 4, y: 500 };
    // ±1 wobble: MAD-based noise of a couple of points, where the outlier would make a standard deviation ~150.
    expect(residualNoise(wobble, { slope: 0, intercept: 50 })).toBeLessThan(3);
  });

  it('Mann–Kendall: a monotonic fall is significant, an alternating series is not', () => {
    const fall = mannKendall(line(8, -1, 100));
    expect(fall.s).toBe(-28);
    expect(fall.z).toBeLessThan(-1.645);
    const zigzag = mannKendall(Array.from({ length: 10 }, (_, x) => ({ x, y: x % 2 ? 90 : 100 })));
    expect(Math.abs(zigzag.z)).toBeLessThan(1);
    expect(mannKendall(line(6, 0, 3)).z).toBe(0); // all ties
  });
});
