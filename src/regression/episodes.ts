/**
 * Episode bookkeeping (DESIGN §8), a pure function of the previous open episodes and the scan just finished:
 * - a regression opens when a complete scan drops against the last complete scan (the baseline), comparing only
 *   findings known in both; it is confirmed after `confirmScans` consecutive complete scans show the drop against
 *   that baseline — or at once by a targeted re-check when a `critical` rule is involved; it closes when a complete
 *   scan no longer drops against the baseline (a recovery message if it had been confirmed, silence if not);
 * - partial and failed scans never open, confirm or close anything;
 * - evidence that stops being available is a separate *visibility* episode, never a regression;
 * - foresight's notices (DESIGN §14) are a separate *at_risk* episode, one per tenant listing its gates (see
 *   advanceAtRisk): never a regression, never counted in `regression`, and it gives way to a regression of its gates.
 * One alert per confirmed episode and one when it ends: the caller persists episodes and alert rows with the scan.
 */
import { createHash } from 'node:crypto';
import { LEVEL_NAMES, type Finding } from '../domain/assessment.js';
import type { Evidence } from '../domain/evidence.js';
import type { RegressionDrop, RegressionSummary, ScanStatus } from '../domain/report.js';
import { compareScans, lostVisibility, type RegressionOptions, type ScanView } from './compare.js';
import type { AlertEvent, AlertEventKind, Episode } from '../domain/episode.js';
import type { ForecastEntry } from '../domain/forecast.js';

export type { ScanView };

export interface EpisodeOptions extends RegressionOptions {
  /** `server.publicUrl`, for links in alerts. */
  publicUrl?: string;
}

export interface EpisodeInput {
  tenant: { id: string; name: string };
  scan: ScanView & { status: ScanStatus; finishedAt: string };
  /** The tenant's open (not closed) episodes. */
  open: readonly Episode[];
  /** The last complete scan before this one. */
  lastComplete: ScanView | undefined;
  /** Baseline scans of open episodes, by id. */
  baselines: ReadonlyMap<string, ScanView>;
  /** This scan is the targeted re-check of critical rules. */
  recheck: boolean;
  opts: EpisodeOptions;
  /**
   * This scan's at-risk notices (report.forecast). Undefined leaves at-risk episodes alone — what a replay of the
   * regression machine over stored history (rescore) wants: it judges regressions, it does not re-raise warnings.
   */
  forecast?: readonly ForecastEntry[];
}

export interface EpisodeOutput {
  /** New or changed episodes to persist. */
  episodes: Episode[];
  events: AlertEvent[];
  /** Evidence keys a targeted re-check should collect now (critical rules in a pending regression). */
  recheckKeys: string[];
  /** The report's `regression` section. */
  regression: RegressionSummary;
}

function episodeId(tenantId: string, kind: string, scanId: string): string {
  return `ep-${createHash('sha256').update(`${tenantId}:${kind}:${scanId}`).digest('hex').slice(0, 20)}`;
}

function criticalKeys(drops: RegressionDrop[], findings: readonly Finding[]): string[] {
  const critical = new Map(findings.filter((f) => f.critical).map((f) => [f.ruleId, f.evidence]));
  const keys = new Set<string>();
  for (const d of drops) for (const r of d.rules) for (const k of critical.get(r.ruleId) ?? []) keys.add(k);
  return [...keys];
}

function event(kind: AlertEventKind, e: Episode, input: EpisodeInput): AlertEvent {
  const link = input.opts.publicUrl ? `${input.opts.publicUrl.replace(/\/$/, '')}/tenants/${encodeURIComponent(input.tenant.id)}/scans/${encodeURIComponent(input.scan.id)}` : null;
  return {
    kind,
    episodeId: e.id,
    tenant: input.tenant,
    occurredAt: input.scan.finishedAt,
    scanId: input.scan.id,
    previousLevel: e.previousLevel,
    currentLevel: input.scan.level.value,
    previousLevelName: e.previousLevel === null ? null : (LEVEL_NAMES[e.previousLevel] ?? null),
    currentLevelName: LEVEL_NAMES[input.scan.level.value] ?? null,
    drops: kind === 'regression' || kind === 'recovery' ? e.drops : [],
    lostKeys: kind === 'lost_visibility' || kind === 'visibility_restored' ? e.lostKeys : [],
    ...(kind === 'at_risk' || kind === 'at_risk_cleared' ? { forecast: e.forecast ?? [] } : {}),
    link,
    command: `ratchet rescore --scan ${input.scan.id} --format markdown`,
  };
}

function newEpisode(kind: Episode['kind'], input: EpisodeInput, baseline: ScanView): Episode {
  return {
    id: episodeId(input.tenant.id, kind, input.scan.id),
    tenantId: input.tenant.id,
    kind,
    state: 'pending',
    openedAt: input.scan.finishedAt,
    openedScanId: input.scan.id,
    baselineScanId: baseline.id,
    confirmedAt: null,
    confirmedScanId: null,
    closedAt: null,
    closedScanId: null,
    confirmations: 0,
    previousLevel: baseline.level.value,
    currentLevel: input.scan.level.value,
    drops: [],
    lostKeys: [],
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
  };
}

function close(e: Episode, input: EpisodeInput): Episode {
  return { ...e, state: 'closed', closedAt: input.scan.finishedAt, closedScanId: input.scan.id, currentLevel: input.scan.level.value };
}

function confirm(e: Episode, input: EpisodeInput): Episode {
  return { ...e, state: 'confirmed', confirmedAt: input.scan.finishedAt, confirmedScanId: input.scan.id };
}

/** Keys of an open visibility episode still not readable (a key now `not_licensed` is no longer a visibility gap: see lostVisibility). */
function stillLost(keys: readonly string[], evidence: readonly Evidence[]): string[] {
  const now = new Map(evidence.map((e) => [e.key, e]));
  return keys.filter((k) => now.get(k)?.status !== 'ok' && now.get(k)?.reasonCode !== 'not_licensed');
}

export function advanceEpisodes(input: EpisodeInput): EpisodeOutput {
  const { scan, opts } = input;
  const complete = scan.status === 'complete';
  const changed: Episode[] = [];
  const events: AlertEvent[] = [];
  let recheckKeys: string[] = [];

  // ── regression ──
  const openRegression = input.open.find((e) => e.kind === 'regression');
  const baseline = openRegression?.baselineScanId ? input.baselines.get(openRegression.baselineScanId) : input.lastComplete;
  const drops = baseline ? compareScans(baseline, scan, opts) : [];
  let regressionState: Episode | undefined = openRegression;
  if (complete && baseline) {
    if (openRegression) {
      if (drops.length === 0) {
        regressionState = close(openRegression, input);
        if (openRegression.state === 'confirmed') events.push(event('recovery', regressionState, input));
        changed.push(regressionState);
      } else {
        let e: Episode = { ...openRegression, drops, currentLevel: scan.level.value, confirmations: openRegression.confirmations + 1 };
        const keys = criticalKeys(drops, scan.findings);
        if (e.state === 'pending' && (e.confirmations >= opts.confirmScans || (input.recheck && keys.length > 0))) {
          e = confirm(e, input);
          events.push(event('regression', e, input));
        } else if (e.state === 'pending' && keys.length > 0 && !input.recheck) {
          recheckKeys = keys;
        }
        regressionState = e;
        changed.push(e);
      }
    } else if (drops.length > 0) {
      let e: Episode = { ...newEpisode('regression', input, baseline), drops, confirmations: 1 };
      const keys = criticalKeys(drops, scan.findings);
      if (opts.confirmScans <= 1) {
        e = confirm(e, input);
        events.push(event('regression', e, input));
      } else if (keys.length > 0 && !input.recheck) {
        recheckKeys = keys;
      }
      regressionState = e;
      changed.push(e);
    }
  }

  // ── visibility ──
  const openVisibility = input.open.find((e) => e.kind === 'visibility');
  const lostNow = input.lastComplete ? lostVisibility(input.lastComplete.evidence, scan.evidence) : [];
  if (complete) {
    if (openVisibility) {
      const keys = [...new Set([...stillLost(openVisibility.lostKeys, scan.evidence), ...lostNow])];
      if (keys.length === 0) {
        const closed = close(openVisibility, input);
        if (openVisibility.state === 'confirmed') events.push(event('visibility_restored', closed, input));
        changed.push(closed);
      } else {
        let e: Episode = { ...openVisibility, lostKeys: keys, confirmations: openVisibility.confirmations + 1, currentLevel: scan.level.value };
        if (e.state === 'pending' && e.confirmations >= opts.confirmScans) {
          e = confirm(e, input);
          events.push(event('lost_visibility', e, input));
        }
        changed.push(e);
      }
    } else if (lostNow.length > 0 && input.lastComplete) {
      let e: Episode = { ...newEpisode('visibility', input, input.lastComplete), lostKeys: lostNow, confirmations: 1 };
      if (opts.confirmScans <= 1) {
        e = confirm(e, input);
        events.push(event('lost_visibility', e, input));
      }
      changed.push(e);
    }
  }

  // ── at risk ── (after the regression step, from its drops: a regression always wins, never the other way round)
  if (complete && input.forecast) {
    const atRisk = advanceAtRisk(input, input.open.find((e) => e.kind === 'at_risk'), input.forecast, baseline ? drops : []);
    changed.push(...atRisk.episodes);
    events.push(...atRisk.events);
  }

  const regression: RegressionSummary = {
    detected: drops.length > 0,
    confirmed: regressionState?.state === 'confirmed',
    previousLevel: baseline ? baseline.level.value : null,
    drops,
    lostVisibility: lostNow,
  };
  return { episodes: changed, events, recheckKeys, regression };
}

/** Rules and capabilities a regression drop names: gates a real regression has taken over from a forecast. */
function takenOver(drops: readonly RegressionDrop[]): (f: Pick<ForecastEntry, 'ruleId' | 'capability'>) => boolean {
  const rules = new Set(drops.flatMap((d) => d.rules.map((r) => r.ruleId)));
  const capabilities = new Set(drops.filter((d) => d.kind === 'capability').map((d) => d.id));
  return (f) => rules.has(f.ruleId) || capabilities.has(f.capability);
}

/**
 * The tenant's at-risk episode after a complete scan. One episode per tenant, listing its gates (like the visibility
 * episode lists its keys), so a tenant drifting on three measures raises one notice, not three:
 * - opens when the forecast names a gate (confirmed at once: the forecast already needed minScans complete scans and
 *   a significant trend, so waiting for another scan would only spend the lead time it exists to give); one
 *   `at_risk` event;
 * - is updated, silently, while gates come and go or their projections move;
 * - closes when no gate remains: `superseded` (no event) when a regression of its gates took over — the regression
 *   alert says it — else `cleared`, with one `at_risk_cleared` event so a channel that was warned learns it is over.
 * Gates a regression drop names are left out of the notice: the tenant is past warning there.
 */
function advanceAtRisk(input: EpisodeInput, open: Episode | undefined, forecast: readonly ForecastEntry[], drops: readonly RegressionDrop[]): { episodes: Episode[]; events: AlertEvent[] } {
  const isTakenOver = takenOver(drops);
  const gates = forecast.filter((f) => !isTakenOver(f));
  if (gates.length > 0) {
    if (open) return { episodes: [{ ...open, forecast: [...gates], confirmations: open.confirmations + 1, currentLevel: input.scan.level.value }], events: [] };
    const opened: Episode = {
      id: episodeId(input.tenant.id, 'at_risk', input.scan.id),
      tenantId: input.tenant.id,
      kind: 'at_risk',
      state: 'confirmed',
      openedAt: input.scan.finishedAt,
      openedScanId: input.scan.id,
      baselineScanId: null,
      confirmedAt: input.scan.finishedAt,
      confirmedScanId: input.scan.id,
      closedAt: null,
      closedScanId: null,
      confirmations: 1,
      previousLevel: input.scan.level.value,
      currentLevel: input.scan.level.value,
      drops: [],
      lostKeys: [],
      forecast: [...gates],
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgement: null,
    };
    return { episodes: [opened], events: [event('at_risk', opened, input)] };
  }
  if (!open) return { episodes: [], events: [] };
  const superseded = (open.forecast ?? []).some(isTakenOver);
  const closed: Episode = { ...close(open, input), closedReason: superseded ? 'superseded' : 'cleared' };
  return { episodes: [closed], events: superseded ? [] : [event('at_risk_cleared', closed, input)] };
}
