/**
 * Foresight through the API (DESIGN §14): a scan's `forecast[]` comes back in the report JSON, and an at-risk
 * episode is listed with the others, its forecast and how it closed intact through the response schemas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Episode } from '../domain/episode.js';
import type { ForecastEntry } from '../domain/forecast.js';
import type { Report } from '../domain/report.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { webFixture, type WebFixture } from './test-support.js';
import { sampleForecast } from '../foresight/test-support.js';

let f: WebFixture;
beforeEach(async () => {
  f = await webFixture();
});
afterEach(async () => {
  await f.close();
});
const get = (url: string) => f.as('viewer', { method: 'GET', url });

const forecast: ForecastEntry[] = [
  sampleForecast({
    projectedCrossing: '2025-01-20',
    daysToCrossing: 17,
    projection: [
      { at: '2025-01-03T02:00:42.000Z', value: 97.4 },
      { at: '2025-01-20T00:00:00.000Z', value: 93 },
    ],
    text: 'backup success falling ~1.2 points a week; crosses the level-3 gate of 95 % around 20 Jan',
  }),
];

describe('at-risk in the API', () => {
  it('returns report.forecast with the scan', async () => {
    const scan = sampleScan({ tenantId: 'contoso', tenantName: 'Contoso Ltd', id: 'scan-contoso-3', startedAt: '2025-01-03T02:00:00.000Z' });
    scan.report.forecast = forecast;
    await f.store.saveScan(scan);
    const res = await get('/api/v1/tenants/contoso/scans/scan-contoso-3');
    expect(res.statusCode).toBe(200);
    expect((res.json() as Report).forecast).toEqual(forecast);
  });

  it('lists an at-risk episode beside the regressions, with its forecast and closing reason', async () => {
    const episode: Episode = {
      id: 'ep-contoso-risk',
      tenantId: 'contoso',
      kind: 'at_risk',
      state: 'closed',
      openedAt: '2025-01-03T00:00:00.000Z',
      openedScanId: 'scan-contoso-2',
      baselineScanId: null,
      confirmedAt: '2025-01-03T00:00:00.000Z',
      confirmedScanId: 'scan-contoso-2',
      closedAt: '2025-01-04T00:00:00.000Z',
      closedScanId: 'scan-contoso-2',
      confirmations: 1,
      previousLevel: 2,
      currentLevel: 2,
      drops: [],
      lostKeys: [],
      forecast,
      closedReason: 'superseded',
      acknowledgedAt: null,
      acknowledgedBy: null,
      acknowledgement: null,
    };
    await f.store.saveEpisode(episode);
    const res = await get('/api/v1/tenants/contoso/episodes');
    expect(res.statusCode).toBe(200);
    const listed = (res.json() as { episodes: Episode[] }).episodes;
    expect(listed.map((e) => e.id).sort()).toEqual(['ep-contoso-1', 'ep-contoso-closed', 'ep-contoso-risk']);
    expect(listed.find((e) => e.id === 'ep-contoso-risk')).toEqual(episode);
  });

  it('documents the episode kind and the forecast in the OpenAPI document', async () => {
    const doc = (await get('/api/v1/openapi.json')).json() as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
    const ep = doc.components.schemas.Episode!;
    expect(ep.properties.kind!.enum).toEqual(['regression', 'visibility', 'at_risk']);
    expect(Object.keys(ep.properties)).toEqual(expect.arrayContaining(['forecast', 'closedReason']));
  });
});
