/**
 * A client of a shared Datto RMM account, seen from its tenant (issue 13, item 4): a site deleted at the vendor reads
 * as unknown with the reason, and devices or alerts of another site in a site's listing are dropped and counted in
 * one log line (defence in depth behind the per-site paths).
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { offline } from '../../src/collector-kit/testing/fake-server.js';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { collectDattoRmm } from './collect.js';
import { BASE, SITE, SITE_ALERTS, SITE_DEVICES, api, fixture, mockSiteAlerts, mockSiteDevices, mockToken, testConfig, testContext } from './test-support.js';

offline({ clearSecrets: true });

const OTHER_SITE = '0f0f0f0f-1111-4222-8333-444444444444';

function loggingContext(): { ctx: CollectorContext; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { ctx: { ...testContext(), logger }, lines };
}

type Page = { pageDetails: Record<string, unknown>; devices?: Array<Record<string, unknown>>; alerts?: Array<Record<string, unknown>> };

describe('datto-rmm collector — a client of a shared account', () => {
  it('reads a deleted site as unknown with the reason on every key, not as an empty estate', async () => {
    mockToken();
    const notFound = { timestamp: 0, status: 404, error: 'Not Found', message: `Site with uid ${SITE} not found`, path: SITE_DEVICES };
    api().get(SITE_DEVICES).query({ max: '250' }).reply(404, notFound).get(SITE_ALERTS).query({ max: '250' }).reply(404, notFound);
    const result = await collectDattoRmm(testConfig(), testContext());

    expect(result.status).toBe('error');
    expect(result.evidence.map((e) => [e.key, e.status, e.reasonCode, e.value])).toEqual([
      ['rmm.devices', 'error', 'not_configured', null],
      ['rmm.patches', 'error', 'not_configured', null],
      ['rmm.alerts', 'error', 'not_configured', null],
      ['rmm.antivirus', 'error', 'not_configured', null],
    ]);
    for (const e of result.evidence) {
      expect(e.reason).toContain(`Datto RMM site ${SITE} no longer exists on the account (${BASE})`);
      expect(e.reason).toContain('ratchet tenants map');
    }
  });

  it('drops devices and alerts of another site from a site listing and says so', async () => {
    mockToken();
    // Page 2 of the devices and page 1 of the alerts each carry one row of another client's site.
    const devices2 = fixture<Page>('site-devices-page2.json');
    const foreign = { ...devices2.devices![4]!, uid: 'foreign-device', hostname: 'OTHERCO-SRV01', siteUid: OTHER_SITE, siteName: 'Other Co' };
    devices2.devices!.push(foreign);
    const alerts1 = fixture<Page>('site-alerts-open-page1.json');
    const first = alerts1.alerts![0]!;
    alerts1.alerts!.push({ ...first, alertUid: 'foreign-alert', alertSourceInfo: { ...(first.alertSourceInfo as object), siteUid: OTHER_SITE, siteName: 'Other Co' } });
    api()
      .get(SITE_DEVICES)
      .query({ max: '250' })
      .reply(200, fixture('site-devices-page1.json'))
      .get(SITE_DEVICES)
      .query({ max: '250', page: '1' })
      .reply(200, devices2)
      .get(SITE_ALERTS)
      .query({ max: '250' })
      .reply(200, alerts1)
      .get(SITE_ALERTS)
      .query({ max: '250', page: '1' })
      .reply(200, fixture('site-alerts-open-page2.json'));
    const { ctx, lines } = loggingContext();
    const result = await collectDattoRmm(testConfig(), ctx);

    // The same evidence as the clean listing (7 devices, 6 open alerts): nothing of the other site counted.
    const byKey = Object.fromEntries(result.evidence.map((e) => [e.key, e.value as Record<string, unknown>]));
    expect(byKey['rmm.devices']).toMatchObject({ total: 7 });
    expect(byKey['rmm.devices']!.serverNames).not.toContain('OTHERCO-SRV01');
    expect(byKey['rmm.alerts']).toMatchObject({ open: 6 });
    const dropped = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('datto-rmm:') && (l.msg as string).endsWith('of other sites dropped'));
    expect(dropped.map((l) => [l.msg, l.level, l.devices ?? l.alerts])).toEqual(
      expect.arrayContaining([
        ['datto-rmm: devices of other sites dropped', 40, 1],
        ['datto-rmm: alerts of other sites dropped', 40, 1],
      ]),
    );
    expect(dropped).toHaveLength(2);
  });

  it('logs nothing for a clean site listing', async () => {
    mockToken();
    mockSiteDevices();
    mockSiteAlerts();
    const { ctx, lines } = loggingContext();
    const result = await collectDattoRmm(testConfig(), ctx);
    expect(result.status).toBe('ok');
    expect(lines.filter((l) => String(l.msg).includes('of other sites dropped'))).toEqual([]);
  });
});
