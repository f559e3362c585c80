/**
 * Foresight in the scan path (DESIGN §14): which stored scans a tenant's forecast reads, and the forecast itself.
 * The forecaster (src/foresight) is pure; this is the part that touches the store, so it decides the cost: a scan
 * reads at most MAX_FORECAST_SCANS stored bundles, chosen from the light summaries the scan already holds, and none
 * at all when foresight is off, when no numeric gate holds a level, or when there are too few complete scans yet.
 * At hundreds of tenants that keeps a scan's extra reads small and fixed, whatever the scan frequency.
 */
import { DEFAULT_FORESIGHT, type ForecastEntry, type ForesightSettings } from '../domain/forecast.js';
import type { Report } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { Rule } from '../engine/rule-schema.js';
import { FORESIGHT_METHOD, forecastTenant, heldGates, type ForesightMethod, type ScanPoint } from '../foresight/index.js';
import type { ScanEvidence, Store } from '../store/store.js';

const DAY = 86_400_000;

/** Most stored scans one forecast reads. Above it the window is thinned evenly (a robust slope keeps its trend). */
export const MAX_FORECAST_SCANS = 60;

/** How far back (days) any forecast reads: the forecaster's widest window, and a margin for its confirming re-fits. */
export const FORECAST_REACH_DAYS = FORESIGHT_METHOD.maxWindowDays + 14;

/** `foresight:` config as the scan path reads it (absent in configs built in code: the defaults apply). */
export type ForesightConfig = ForesightSettings & { enabled?: boolean };

/** Extra scans read beyond minScans when the recent window is short: some may lack the gate's measure (a gap). */
const MARGIN = 2;

type Candidate = Pick<ScanSummary, 'id' | 'finishedAt' | 'status'>;

/**
 * The complete scans before `at` that the forecaster's window can use, newest first: those of the last windowDays,
 * or (when fewer than minScans + a margin) the newest ones of the last maxWindowDays up to that count — exactly the
 * reach of the forecaster's own window (src/foresight/forecast.ts) — thinned evenly to at most `cap`, keeping the newest.
 */
export function forecastScanIds(
  summaries: readonly Candidate[],
  at: Date,
  settings: ForesightSettings,
  cap = MAX_FORECAST_SCANS,
  method: ForesightMethod = FORESIGHT_METHOD,
): string[] {
  const t = at.getTime();
  const complete = summaries
    .filter((s) => s.status === 'complete' && Date.parse(s.finishedAt) <= t)
    .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const within = (days: number) => complete.filter((s) => Date.parse(s.finishedAt) > t - days * DAY);
  // The forecaster also re-fits at the previous `confirmScans` scans (each with its own window, reaching that much
  // further back), and wants at least max(minScans, minPoints) points per fit.
  const confirm = method.confirmScans ?? 0;
  const wanted = Math.max(settings.minScans, method.minPoints ?? 0) + confirm + MARGIN;
  let chosen = complete.slice(0, within(method.windowDays).length + confirm);
  if (chosen.length < wanted) chosen = within(method.maxWindowDays).slice(0, wanted);
  if (chosen.length <= cap) return chosen.map((s) => s.id);
  // Evenly spaced over the window, newest and oldest kept: the fit sees the same span at a bounded cost.
  const step = (chosen.length - 1) / (cap - 1);
  return [...new Set(Array.from({ length: cap }, (_, i) => chosen[Math.round(i * step)]!.id))];
}

export interface ForecastInput {
  /** The scored report of the scan being finished (or re-scored). */
  report: Report;
  rules: readonly Rule[];
  settings: ForesightConfig | undefined;
  /** The tenant's complete scans (summaries), any order; the scan itself and later ones are left out. */
  summaries: readonly Candidate[];
  /**
   * Reads the evidence of the scans named (the store's `bundlesOf`, or scans already in memory when re-scoring a
   * whole history); any order, unknown ids left out.
   */
  load: (ids: readonly string[]) => Promise<readonly ScanEvidence[]>;
}

/** The at-risk notices of one scored report; [] when foresight is off or has nothing to say. */
export async function forecastFor(input: ForecastInput): Promise<ForecastEntry[]> {
  const settings = { horizonDays: input.settings?.horizonDays ?? DEFAULT_FORESIGHT.horizonDays, minScans: input.settings?.minScans ?? DEFAULT_FORESIGHT.minScans };
  if (input.settings?.enabled === false) return [];
  // Nothing to watch means nothing to read: most of a portfolio's scans stop here or at the count below.
  if (heldGates(input.report, input.rules).length === 0) return [];
  const at = new Date(input.report.scan.finishedAt);
  const earlier = input.summaries.filter((s) => s.id !== input.report.scan.id && s.finishedAt < input.report.scan.finishedAt);
  const own = input.report.scan.status === 'complete' ? 1 : 0;
  if (earlier.filter((s) => s.status === 'complete').length + own < settings.minScans) return [];
  const ids = forecastScanIds(earlier, at, settings);
  const byId = new Map((await input.load(ids)).map((s) => [s.id, s]));
  const history: ScanPoint[] = ids.flatMap((id) => {
    const s = byId.get(id);
    return s ? [{ scanId: s.id, at: s.finishedAt, status: s.status, bundle: s.bundle }] : [];
  });
  return forecastTenant({ report: input.report, rules: input.rules, history, settings, now: at });
}

/** The report with its `forecast` set, or without the key when there is none (the field is additive and optional). */
export function withForecast(report: Report, forecast: readonly ForecastEntry[]): Report {
  const { forecast: _old, ...rest } = report;
  return forecast.length > 0 ? { ...rest, forecast: [...forecast] } : rest;
}

/** Reads through the store: the bundles only, in one query. */
export const storeLoader = (store: Pick<Store, 'bundlesOf'>) => (ids: readonly string[]) => store.bundlesOf(ids);

/** Reads scans already in memory first, and the rest through the store. */
export const memoryThenStore =
  (inMemory: ReadonlyMap<string, ScanEvidence>, store: Pick<Store, 'bundlesOf'> | null) =>
  async (ids: readonly string[]): Promise<ScanEvidence[]> => {
    const held = ids.flatMap((id) => inMemory.get(id) ?? []);
    const missing = ids.filter((id) => !inMemory.has(id));
    return missing.length > 0 && store ? [...held, ...(await store.bundlesOf(missing))] : held;
  };
