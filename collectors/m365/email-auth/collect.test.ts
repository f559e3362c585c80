/**
 * m365.email.* end to end: the simulator serves `GET /domains` over TLS and the tenants' mail records from its
 * loopback DNS server; the collector (real Graph client, real node:dns) reads both through the config configFor
 * writes. Also: the dns= fault (SERVFAIL, no answer) and a refused /domains read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor, startSimulator, type Simulator } from '../../../src/app/simulator.js';
import { evidenceOf, FIXED_NOW, simulatorCollectorContext } from '../../../src/simulator/test-support.js';
import { m365ConfigSchema } from '../config.js';
import { m365Plugin } from '../index.js';
import { customMailDomains, mailAuthTruth } from '../simulator/mail-dns.js';
import type { TenantModel } from '../simulator/tenant-model.js';

const KEYS = ['m365.email.spf', 'm365.email.dkim', 'm365.email.dmarc'];

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    certDir: process.env.RATCHET_TEST_CA_DIR,
    now: FIXED_NOW,
    tenants: [
      { id: 'weak', name: 'Weak Mail Ltd', profile: 'level1', knobs: { users: 20, devices: 10 } },
      { id: 'fair', name: 'Fair Mail Ltd', profile: 'level3', knobs: { users: 20, devices: 10 } },
      { id: 'strong', name: 'Strong Mail Ltd', profile: 'level5', knobs: { users: 20, devices: 10 } },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
});

/** The tenant's m365 section as configFor writes it (secrets resolved), so the dns block is the one the demo uses. */
function configOf(id: string) {
  // The per-tenant shape (the tenant's own app); the portfolio shape gets the same dns block (src/simulator tests).
  const { config, env } = configFor(sim, { tenants: [id], tenantFields: undefined });
  const section = { ...(config.tenants[0]!.m365 as Record<string, unknown>) };
  for (const [k, v] of Object.entries(section)) {
    const ref = typeof v === 'string' ? /^\$\{env:(.+)\}$/.exec(v) : null;
    if (ref) section[k] = env[ref[1]!];
  }
  return m365ConfigSchema.parse(section);
}

async function collect(id: string) {
  return m365Plugin.collect(configOf(id), { ...simulatorCollectorContext(id), only: KEYS });
}

const model = (id: string) => (sim.directoryState(id) as { model: TenantModel }).model;

describe('m365.email.* through the simulator', () => {
  it('configFor points the m365 section at the loopback DNS server', () => {
    expect(sim.dns).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(configOf('weak').dns).toEqual({ servers: [sim.dns], timeoutMs: 3_000 });
    // The portfolio shape (the MSP's app in defaults.m365): the tenant's own section carries the dns block.
    const portfolio = configFor(sim, { tenants: ['weak'] }).config;
    expect(portfolio.defaults?.m365).toBeDefined();
    expect((portfolio.tenants[0]!.m365 as Record<string, unknown>).dns).toEqual({ servers: [sim.dns] });
  });

  for (const id of ['weak', 'fair', 'strong']) {
    it(`${id}: each key equals the tenant's published records`, async () => {
      const result = await collect(id);
      expect(result.status).toBe('ok');
      expect(result.evidence.map((e) => e.key)).toEqual(KEYS);
      const truth = mailAuthTruth(model(id));
      expect(customMailDomains(model(id)).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(truth)) expect(evidenceOf(result, `m365.email.${k}`)).toMatchObject({ status: 'ok', value: v });
      // onmicrosoft.com is Microsoft's: listed as skipped, never checked.
      expect(evidenceOf(result, 'm365.email.dmarc').value!.skippedManaged).toEqual([model(id).domain.toLowerCase()]);
      // One Graph request (/domains, inside the $batch); DNS queries are not HTTP requests.
      expect(result.requests).toBe(1);
      expect(evidenceOf(result, 'm365.email.spf').source.endpoints).toEqual(['/domains', `DNS TXT {mail domain} via ${sim.dns}`]);
    });
  }

  it('level differences are visible: weak has no DMARC and no DKIM, strong rejects', async () => {
    const [weak, strong] = [await collect('weak'), await collect('strong')];
    expect(evidenceOf(weak, 'm365.email.dmarc').value).toMatchObject({ withDmarc: 0, weakestPolicy: 'missing' });
    expect(evidenceOf(weak, 'm365.email.dkim').value).toMatchObject({ signed: 0, pct: 0 });
    expect(evidenceOf(strong, 'm365.email.dmarc').value).toMatchObject({ enforced: 1, enforcedPct: 100, weakestPolicy: 'reject' });
    expect(evidenceOf(strong, 'm365.email.dkim').value).toMatchObject({ signed: 1, pct: 100 });
  });

  it('dns=servfail on a tenant: the keys are errors naming the DNS failure, never a failing value', async () => {
    sim.setFaults('dns=servfail', 'fair');
    try {
      const result = await collect('fair');
      for (const k of KEYS) {
        expect(evidenceOf(result, k)).toMatchObject({ status: 'error', reasonCode: 'collector_error', value: null });
        expect(evidenceOf(result, k).reason).toMatch(/DNS did not answer for any of the 1 mail domains: .*SERVFAIL/);
      }
      // Another tenant's domains still answer.
      expect(evidenceOf(await collect('strong'), 'm365.email.dmarc').status).toBe('ok');
    } finally {
      sim.setFaults({}, 'fair');
    }
  });

  it('dns=drop: the queries time out (per the configured timeout) and the keys are errors', async () => {
    sim.setFaults('dns=drop', 'weak');
    try {
      const config = { ...configOf('weak'), dns: { servers: [sim.dns!], timeoutMs: 100 } };
      const started = Date.now();
      const result = await m365Plugin.collect(config, { ...simulatorCollectorContext('weak'), only: ['m365.email.dmarc'] });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(evidenceOf(result, 'm365.email.dmarc').reason).toMatch(/timed out/);
    } finally {
      sim.setFaults({}, 'weak');
    }
  });

  it('a refused /domains read names Domain.Read.All and leaves the keys unavailable', async () => {
    sim.setFaults('403=/domains', 'strong');
    try {
      const result = await collect('strong');
      for (const k of KEYS) {
        expect(evidenceOf(result, k)).toMatchObject({ status: 'unavailable', reasonCode: 'permission_missing' });
        expect(evidenceOf(result, k).reason).toMatch(/GET \/domains was refused: grant the application permission Domain\.Read\.All/);
      }
    } finally {
      sim.setFaults({}, 'strong');
    }
  });
});
