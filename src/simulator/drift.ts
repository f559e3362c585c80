/**
 * Drifting histories for foresight (issue 16 item 1): deterministic series of one gate's measure over months of
 * scans, shaped like the cases an early warning must tell apart — a slow decline (forecastable), a step drop (not
 * forecastable: nothing announces it), a noisy-but-flat series (must stay quiet) and a recovering one (must stay
 * quiet) — with the ground truth beside them: the scan at which the gate really fails (the regression), or none.
 *
 * Each scan is a real ScanPoint: a complete/partial status and an EvidenceBundle holding the gate's evidence item, so
 * the forecaster reads it through the engine exactly as a stored scan. Partial scans carry a garbage value and some
 * complete scans lose visibility (unavailable evidence): both must be skipped, never read as zero.
 * Everything is a pure function of the seed (src/simulator/prng.ts). Fixtures for measuring, not tenant data.
 */
import type { Evidence, EvidenceBundle } from '../domain/evidence.js';
import type { ScanPoint } from '../foresight/forecast.js';
import { mulberry32, seedOf } from './prng.js';

const DAY = 86_400_000;

export type DriftKind = 'slow_decline' | 'step_drop' | 'noisy_flat' | 'recovering';
export const DRIFT_KINDS: readonly DriftKind[] = ['slow_decline', 'step_drop', 'noisy_flat', 'recovering'];

/** The gate a series is drawn for: its rule's evidence, bound and dead band, and the measure's healthy range. */
export interface DriftGate {
  ruleId: string;
  evidenceKey: string;
  measure: string;
  /** Source section of the evidence (the bundle must list it, as a tenant's config would). */
  source: 'm365' | 'rmm' | 'backup';
  threshold: number;
  direction: 'gte' | 'lte';
  deadBand: number;
  /** Physical bounds of the measure (0–100 for a percentage). */
  min: number;
  max: number;
  /** Healthy distance from the threshold, towards the passing side: [low, high]. */
  healthy: [number, number];
}

/** The default rules' numeric gates the backtest exercises (rules/default.yaml), with plausible healthy ranges. */
export const DRIFT_GATES: readonly DriftGate[] = [
  { ruleId: 'mfa-user-coverage', evidenceKey: 'm365.mfa.registration', measure: 'pct', source: 'm365', threshold: 90, direction: 'gte', deadBand: 2, min: 0, max: 100, healthy: [4, 9] },
  { ruleId: 'patch-compliance', evidenceKey: 'rmm.patches', measure: 'pct', source: 'rmm', threshold: 95, direction: 'gte', deadBand: 2, min: 0, max: 100, healthy: [3, 4.5] },
  { ruleId: 'backup-success-high', evidenceKey: 'backup.protection', measure: 'pct', source: 'backup', threshold: 95, direction: 'gte', deadBand: 2, min: 0, max: 100, healthy: [3, 4.5] },
  { ruleId: 'agent-coverage-high', evidenceKey: 'rmm.devices', measure: 'checkedInPct', source: 'rmm', threshold: 95, direction: 'gte', deadBand: 2, min: 0, max: 100, healthy: [3, 4.5] },
  { ruleId: 'alerts-backlog', evidenceKey: 'rmm.alerts', measure: 'staleOver24hPer100', source: 'rmm', threshold: 10, direction: 'lte', deadBand: 0, min: 0, max: 100, healthy: [5, 8] },
];

export type NoiseLevel = 'low' | 'medium' | 'high';
/** Scan-to-scan noise (standard deviation, in measure units) per level. */
export const NOISE_SD: Record<NoiseLevel, number> = { low: 0.3, medium: 0.7, high: 1.2 };

export interface DriftOptions {
  seed: string | number;
  kind: DriftKind;
  gate: DriftGate;
  /** First scan time. */
  start: Date;
  days: number;
  /** 7 = weekly; 3.5 = twice a week. */
  everyDays: number;
  /** Default: drawn from the seed (noisy_flat draws medium or high only). */
  noise?: NoiseLevel;
  /** Share of scans that end partial (their value is garbage and must be ignored). Default 0.08. */
  partialRate?: number;
  /** Share of complete scans whose evidence is unavailable (a lost permission). Default 0.05. */
  unknownRate?: number;
}

export interface DriftSeries {
  kind: DriftKind;
  gate: DriftGate;
  noise: NoiseLevel;
  /** Underlying drift in measure units per week while drifting (negative = falling); 0 for flat. */
  driftPerWeek: number;
  points: ScanPoint[];
  /** What each scan observed (null where the scan was partial or the evidence unknown). */
  observed: Array<{ at: string; value: number | null }>;
  /**
   * ISO time of the first complete scan at which the passing gate fails (its value past the dead band): the real
   * regression, or null when the gate never goes from passing to failing.
   */
  crossing: string | null;
  /** Every pass → fail transition (noise can lift a failed gate back over the line, and it fails again later). */
  crossings: string[];
  /** ISO time the drift began (slow_decline onset, step_drop step, recovering start); null for noisy_flat. */
  driftStart: string | null;
}

function gaussian(rand: () => number): number {
  // Box–Muller; 1 − u keeps log away from 0.
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

function evidenceItem(gate: DriftGate, at: string, value: number | null, status: Evidence['status']): Evidence {
  return {
    key: gate.evidenceKey,
    status,
    value: value === null ? null : { [gate.measure]: value },
    reason: status === 'ok' ? null : 'Forbidden: the permission to read this was removed',
    reasonCode: status === 'ok' ? null : 'permission_missing',
    source: { collector: `sim-${gate.source}`, endpoints: ['/simulated'], requests: 1 },
    collectedAt: at,
  };
}

/** Scan times: every `everyDays` (3.5 alternates 3 and 4 days), at a seeded hour so scans are not all at midnight. */
function scanTimes(opts: DriftOptions, rand: () => number): number[] {
  const out: number[] = [];
  const hour = Math.floor(rand() * 24);
  const t0 = opts.start.getTime() + hour * 3_600_000;
  for (let k = 0; k * opts.everyDays <= opts.days; k++) out.push(t0 + Math.round(k * opts.everyDays) * DAY);
  return out;
}

/** One drifting series; same options, same series. */
export function driftSeries(opts: DriftOptions): DriftSeries {
  const { gate, kind } = opts;
  const rand = mulberry32(seedOf(`${String(opts.seed)}|${kind}|${gate.ruleId}`));
  const down = gate.direction === 'gte';
  const toward = down ? -1 : 1; // the sign of "getting worse"
  const fail = down ? gate.threshold - gate.deadBand : gate.threshold + gate.deadBand;
  const noise: NoiseLevel = opts.noise ?? (kind === 'noisy_flat' ? (rand() < 0.5 ? 'medium' : 'high') : (['low', 'medium', 'high'] as const)[Math.floor(rand() * 3)]!);
  const sd = NOISE_SD[noise];
  const times = scanTimes(opts, rand);
  const t0 = times[0]!;
  const span = opts.days;
  const healthyMargin = uniform(rand, gate.healthy[0], gate.healthy[1]);
  const base = gate.threshold - toward * healthyMargin;

  // The noiseless shape, as a function of days since the first scan.
  let shape: (day: number) => number;
  let driftPerWeek = 0;
  let driftStartDay: number | null = null;
  if (kind === 'slow_decline') {
    // Slow enough to be a trend, fast enough to cross inside the history: the decline from onset to the fail line
    // takes (base − fail) / rate weeks, and the onset leaves room for ≥ 6 weekly scans of flat history first.
    const distance = Math.abs(base - fail);
    const rate = uniform(rand, 0.4, 1.5);
    const declineDays = (distance / rate) * 7;
    const onset = uniform(rand, 42, Math.max(43, span - declineDays - 14));
    driftPerWeek = toward * rate;
    driftStartDay = onset;
    shape = (d) => (d <= onset ? base : base + toward * rate * ((d - onset) / 7));
  } else if (kind === 'step_drop') {
    // A sudden loss (a backup job deleted, an RMM policy unassigned): past the fail line in one scan.
    const step = Math.abs(base - fail) + uniform(rand, 1, 6);
    const at = uniform(rand, 60, span - 14);
    driftStartDay = at;
    shape = (d) => (d < at ? base : base + toward * step);
  } else if (kind === 'noisy_flat') {
    shape = () => base;
  } else {
    // Recovering: starts just on the passing side of the threshold and improves towards a healthy plateau.
    const from = gate.threshold - toward * uniform(rand, 1, 3);
    const rate = uniform(rand, 0.2, 1);
    driftPerWeek = -toward * rate;
    driftStartDay = 0;
    shape = (d) => {
      const v = from - toward * rate * (d / 7);
      return down ? Math.min(v, base) : Math.max(v, base);
    };
  }

  const partialRate = opts.partialRate ?? 0.08;
  const unknownRate = opts.unknownRate ?? 0.05;
  const points: ScanPoint[] = [];
  const observed: DriftSeries['observed'] = [];
  let crossing: string | null = null;
  const crossings: string[] = [];
  // The gate's state as the engine keeps it for one rule: a passing gate fails only past its dead band; a failing
  // (or never scored) gate passes only on the threshold's right side. Unknown values change nothing.
  let passing: boolean | null = null;
  const holdsThreshold = (v: number) => (down ? v >= gate.threshold : v <= gate.threshold);
  const pastFailLine = (v: number) => (down ? v < fail : v > fail);
  times.forEach((t, i) => {
    const at = new Date(t).toISOString();
    const raw = shape((t - t0) / DAY) + sd * gaussian(rand);
    const value = Math.round(Math.min(gate.max, Math.max(gate.min, raw)) * 10) / 10;
    const r = rand();
    // Never the first scan: a history starts from a scan that saw the tenant.
    const status: ScanPoint['status'] = i > 0 && r < partialRate ? 'partial' : 'complete';
    const unknown = status === 'complete' && i > 0 && rand() < unknownRate;
    // A partial scan's reading is whatever a half-run collector left: here 0, the value that must never be read.
    const item = status === 'partial' ? evidenceItem(gate, at, 0, 'ok') : unknown ? evidenceItem(gate, at, null, 'unavailable') : evidenceItem(gate, at, value, 'ok');
    const bundle: EvidenceBundle = { tenantId: `drift-${String(opts.seed)}`, sources: [gate.source], collectedAt: at, evidence: [item] };
    points.push({ scanId: `drift-${String(opts.seed)}-${kind}-${gate.ruleId}-${i}`, at, status, bundle });
    const seen = status === 'complete' && !unknown ? value : null;
    observed.push({ at, value: seen });
    if (seen === null) return;
    const now = passing === true ? !pastFailLine(seen) : holdsThreshold(seen);
    if (passing === true && !now) {
      crossings.push(at);
      crossing ??= at;
    }
    passing = now;
  });
  return { kind, gate, noise, driftPerWeek, points, observed, crossing, crossings, driftStart: driftStartDay === null ? null : new Date(t0 + driftStartDay * DAY).toISOString() };
}
