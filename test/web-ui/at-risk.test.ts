/**
 * Foresight in the web UI (DESIGN §14): the tenant page shows at-risk notices as their own panel — never under "Open
 * regressions" — and the history chart draws each projection as a dashed line to its crossing date, with the gate's
 * threshold, and lists the at-risk episode as a forecast.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Episode } from '../../src/domain/episode.js';
import type { ForecastEntry } from '../../src/domain/forecast.js';
import { sampleForecast } from '../../src/foresight/test-support.js';
import { historyChart } from '../../src/web/ui/chart.js';
import { fakeApp } from './fake-app.js';
import { FakeWebService, fixtureTenants, HOSTILE } from './fake-service.js';

const TECH = { 'x-test-token': 'tok-tech', accept: 'text/html' };

/** The shared sample notice, dated into the fixture tenants' history (March 2026) with a projection of four points. */
const notice = (over: Partial<ForecastEntry> = {}): ForecastEntry =>
  sampleForecast({
    current: 97.6,
    projectedCrossing: '2026-03-14',
    daysToCrossing: 13,
    scans: 9,
    projection: [
      { at: '2026-03-01T05:00:00.000Z', value: 97.5 },
      { at: '2026-03-05T13:00:00.000Z', value: 96.7 },
      { at: '2026-03-09T21:00:00.000Z', value: 96 },
      { at: '2026-03-14T05:00:00.000Z', value: 93 },
    ],
    text: 'backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % (93 % with its dead band) around 14 Mar',
    ...over,
  });

function service(): FakeWebService {
  const tenants = fixtureTenants();
  const tailspin = tenants.find((t) => t.id === 'tailspin')!;
  const last = tailspin.scans[tailspin.scans.length - 1]!;
  last.report.forecast = [notice(), notice({ ruleId: 'patch-age', capability: 'endpoint', gateLevel: 2, threshold: 30, unit: 'days', direction: 'lte', current: 21, text: `${HOSTILE} rising`, projectedCrossing: '2026-03-20', daysToCrossing: 19, projection: [{ at: '2026-03-01T05:00:00.000Z', value: 21 }, { at: '2026-03-20T05:00:00.000Z', value: 30 }] })];
  const episode: Episode = {
    id: 'ep-tailspin-risk',
    tenantId: 'tailspin',
    kind: 'at_risk',
    state: 'confirmed',
    openedAt: tailspin.scans[tailspin.scans.length - 3]!.finishedAt,
    openedScanId: tailspin.scans[tailspin.scans.length - 3]!.id,
    baselineScanId: null,
    confirmedAt: tailspin.scans[tailspin.scans.length - 3]!.finishedAt,
    confirmedScanId: tailspin.scans[tailspin.scans.length - 3]!.id,
    closedAt: null,
    closedScanId: null,
    confirmations: 3,
    previousLevel: 4,
    currentLevel: 4,
    drops: [],
    lostKeys: [],
    forecast: last.report.forecast,
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
  };
  tailspin.episodes.push(episode);
  return new FakeWebService(tenants);
}

describe('at-risk notices in the web UI', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await fakeApp(service());
  });
  afterAll(async () => {
    await app.close();
  });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: TECH });

  it('the tenant page shows each notice (gate, projected date, plain words) apart from regressions', async () => {
    const res = await get('/tenants/tailspin');
    expect(res.statusCode).toBe(200);
    const panel = res.body.slice(res.body.indexOf('id="at-risk"'), res.body.indexOf('</section>', res.body.indexOf('id="at-risk"')));
    expect(panel).toContain('a forecast, not a regression');
    expect(panel).toContain('<code>backup-success</code>');
    expect(panel).toContain('level-3 gate');
    expect(panel).toMatch(/crosses around <strong>[^<]*14[^<]*<\/strong>/);
    expect(panel).toContain('backup success falling ~1.2 points a week');
    // Tenant text is escaped like everything else.
    expect(panel).not.toContain(HOSTILE);
    // The at-risk episode is not an open regression.
    expect(res.body).not.toContain('id="regressions"');
  });

  it('a tenant without a forecast shows no at-risk panel', async () => {
    const res = await get('/tenants/contoso');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('id="at-risk"');
    expect(res.body).toContain('id="regressions"');
  });

  it('the history chart draws each projection dashed to its crossing date, with the threshold, and lists the episode as a forecast', async () => {
    const res = await get('/tenants/tailspin/history');
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/<path class="forecast-line" d="M[^"]+"/g)).toHaveLength(2);
    expect(res.body.match(/class="forecast-threshold"/g)).toHaveLength(2);
    expect(res.body).toContain('L3 gate 95 %');
    expect(res.body).toContain('L2 gate 30 days');
    expect(res.body).toContain('At-risk projection');
    expect(res.body).toMatch(/class="episode-band ep-at_risk ep-confirmed"/);
    expect(res.body).toContain('At risk (forecast)');
    expect(res.body).not.toContain(HOSTILE);
  });
});

describe('history chart geometry with a forecast', () => {
  it('extends the time axis to the crossing, and the dashed line ends there on the far side of the threshold', () => {
    const tenants = fixtureTenants();
    const scans = [...tenants.find((t) => t.id === 'tailspin')!.scans].reverse().map((s) => ({
      id: s.id,
      tenantId: 'tailspin',
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      status: s.status,
      level: s.report.level.value,
      potential: s.report.level.potential,
      confirmed: s.report.level.confirmed,
      regressionDetected: false,
      regressionConfirmed: false,
      capabilities: [],
    }));
    const caps = [{ id: 'identity', name: 'Identity & access' }];
    const without = historyChart(scans, [], caps);
    const withIt = historyChart(scans, [], caps, new Date(), [notice()]);
    expect(without.forecast).toEqual([]);
    expect(without.nowX).toBeNull();
    const [row] = withIt.forecast;
    // The newest scan moved left to make room for the projection, and the line ends at the plot's right edge.
    expect(withIt.nowX!).toBeLessThan(without.plot.right);
    expect(row!.crossing.x).toBe(withIt.plot.right);
    const ys = [...row!.path.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => Number(m[2]));
    // Falling towards a "≥" gate: the line starts above the threshold and ends below it (its dead-band fail line).
    expect(ys[0]!).toBeLessThan(row!.threshold.y);
    expect(ys.at(-1)!).toBeGreaterThan(row!.threshold.y);
    expect(withIt.height).toBeGreaterThan(without.height);
    expect(withIt.description).toContain('At risk, projected as dashed lines');
  });
});
