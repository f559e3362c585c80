/**
 * A client of a shared NinjaOne instance, seen from its tenant (issue 13, item 4): an organisation deleted at the
 * vendor reads as unknown with the reason, never as an empty estate that fails, and rows of another organisation the
 * server sent despite `df` are dropped and counted in one log line.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { CollectorContext } from '../../src/collector-kit/plugin.js';
import { collectNinjaOne } from './collect.js';
import { BASE, FAST, FakeNinja, json, ninjaError, offlineWithFakeNinja, ORG, standardTenant, testConfig, testContext } from './test-support.js';

let fake: FakeNinja;
offlineWithFakeNinja((f) => (fake = f));

const emptyQuery = json({ cursor: { name: 'c', offset: 0, count: 0, expires: 1717203600.5 }, results: [] });

/** An instance whose listings for the organisation are empty, as NinjaOne answers a `df` naming no organisation. */
function emptyOrganisation(organization: ReturnType<typeof json>): FakeNinja {
  return fake
    .on('/v2/devices-detailed', json([]))
    .on('/v2/queries/os-patches', emptyQuery)
    .on('/v2/queries/antivirus-status', emptyQuery)
    .on('/v2/alerts', json([]))
    .on('/v2/activities', json({ lastActivityId: 0, activities: [] }))
    .on('/v2/policies', json([]))
    .on(/^\/v2\/organization\/\d+$/, organization);
}

function loggingContext(): { ctx: CollectorContext; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { ctx: { ...testContext(), logger }, lines };
}

describe('ninjaone collector — a client of a shared instance', () => {
  it('reads a deleted organisation as unknown with the reason, not as an empty estate', async () => {
    emptyOrganisation(ninjaError(404, 'NOT_FOUND', `Organization ${ORG} not found`)).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);

    expect(fake.hits(`/v2/organization/${ORG}`)).toHaveLength(1);
    expect(result.status).toBe('error');
    expect(result.error).toContain(`NinjaOne organisation ${ORG} no longer exists on the account (${BASE})`);
    expect(result.evidence.map((e) => [e.key, e.status, e.reasonCode, e.value])).toEqual([
      ['rmm.devices', 'error', 'not_configured', null],
      ['rmm.patches', 'error', 'not_configured', null],
      ['rmm.alerts', 'error', 'not_configured', null],
      ['rmm.antivirus', 'error', 'not_configured', null],
    ]);
    for (const e of result.evidence) {
      expect(e.reason).toContain(`NinjaOne organisation ${ORG} no longer exists on the account`);
      expect(e.reason).toContain('ratchet tenants map');
      expect(e.source.endpoints).toContain('/v2/organization/{id}');
    }
  });

  it('keeps an organisation that exists but has no device as a real, empty estate', async () => {
    emptyOrganisation(json({ id: ORG, name: 'Contoso Ltd' })).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    expect(fake.hits(`/v2/organization/${ORG}`)).toHaveLength(1);
    expect(result.status).toBe('ok');
    expect(result.evidence.find((e) => e.key === 'rmm.devices')).toMatchObject({ status: 'ok', value: { total: 0, organizationId: ORG } });
  });

  it('asks for the organisation only when its listing is empty', async () => {
    standardTenant(fake).install();
    const result = await collectNinjaOne(testConfig(), testContext(), FAST);
    expect(result.status).toBe('ok');
    expect(fake.hits(`/v2/organization/${ORG}`)).toHaveLength(0);
  });

  it('drops the rows of another organisation the server sent despite the filter, and says so in one log line', async () => {
    standardTenant(fake, { ignoreDf: true }).install();
    const { ctx, lines } = loggingContext();
    const result = await collectNinjaOne(testConfig(), ctx, FAST);
    expect(result.evidence.find((e) => e.key === 'rmm.devices')!.value).toMatchObject({ total: 5 });
    const dropped = lines.filter((l) => l.msg === 'ninjaone: rows outside the configured organisation dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, tenant: 'contoso', organizationId: ORG, devices: 1, alerts: 1 });
  });

  it('logs nothing when the server honoured the filter', async () => {
    standardTenant(fake).install();
    const { ctx, lines } = loggingContext();
    await collectNinjaOne(testConfig(), ctx, FAST);
    expect(lines.filter((l) => l.msg === 'ninjaone: rows outside the configured organisation dropped')).toEqual([]);
  });
});
