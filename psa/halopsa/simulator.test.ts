/**
 * The HaloPSA client against its loopback fake over real HTTPS (the simulator's CA, verification on): the ticket
 * lifecycle the dispatcher drives, the ledger's record of it, a wrong secret, an unknown client, throttling, an
 * outage, and a create Halo carries out but never answers.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PsaRejectedError, type PsaClientDeps } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { psaCompanyId } from '../../src/simulator/psa.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { halopsaProvider, halopsaSimulator } from './index.js';

let sim: Simulator;
const logger = pino({ level: 'silent' });
const CONTOSO = psaCompanyId('contoso');

function client(opts: { wrongSecret?: boolean } = {}, deps: Partial<PsaClientDeps> = {}) {
  const block = sim.psaBlock('halopsa', opts);
  const config = halopsaProvider.configSchema.parse({ ...block.section, ...block.secrets, caFile: sim.caPath });
  return halopsaProvider.createClient(config, { logger, backoffBaseMs: 5, maxRetries: 2, ...deps });
}

const draft = (marker: string, company = CONTOSO) => ({ company, summary: `Backups failing ${marker}`, text: 'Backups failing', html: '<p>Backups failing</p>', marker });

beforeAll(async () => {
  sim = await startSimulator({ tenants: [{ id: 'contoso', name: 'Contoso Ltd' }], psa: [halopsaSimulator] });
});
afterAll(async () => {
  await sim.close();
});

describe('halopsa client + fake over HTTPS', () => {
  it('create → find → note → close, recorded in the ledger', async () => {
    sim.psa('halopsa').faults = {};
    const c = client();
    await c.check();
    const marker = '[ratchet:ep-lifecycle]';
    expect(await c.findByMarker(CONTOSO, marker)).toBeNull();
    const ref = await c.create(draft(marker));
    expect(ref.closed).toBe(false);
    expect(await c.findByMarker(CONTOSO, marker)).toEqual(ref);
    expect(await c.findByMarker(CONTOSO, '[ratchet:ep-other]')).toBeNull();
    await c.addNote(ref.id, { text: 'worse', html: '<p>worse</p>' });
    await c.close(ref.id, { text: 'fixed', html: '<p>fixed</p>' });
    expect(await c.get(ref.id)).toEqual({ id: ref.id, closed: true });
    expect(await c.findByMarker(CONTOSO, marker)).toEqual({ id: ref.id, closed: true });

    const record = sim.psa('halopsa').tickets.get(Number(ref.id))!;
    expect(record).toMatchObject({ company: CONTOSO, summary: `Backups failing ${marker}`, body: '<p>Backups failing</p>', status: 'Closed', closed: true });
    expect(record.fields.tickettype_id).toBe(1);
    expect(record.closedAt).not.toBeNull();
    expect(record.notes.map((n) => [n.text, n.internal])).toEqual([
      ['<p>worse</p>', true],
      ['<p>fixed</p>', true],
    ]);
    // One token for the whole lifecycle: 1 token request + 10 API calls.
    expect(c.requests).toBe(11);
  });

  it('answers null for a ticket that does not exist', async () => {
    expect(await client().get('999999')).toBeNull();
  });

  it('refuses a wrong secret with kind auth', async () => {
    const err = await client({ wrongSecret: true }).findByMarker(CONTOSO, '[ratchet:x]').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
    expect((err as Error).message).toMatch(/invalid_client/);
    expect((err as Error).message).not.toContain(sim.psaBlock('halopsa').secrets.clientSecret!);
  });

  it('refuses a ticket for an unknown client as PsaRejectedError naming tenants[].psa.company', async () => {
    const err = await client().create(draft('[ratchet:ep-unknown]', 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/tenants\[\]\.psa\.company/);
    expect(sim.psa('halopsa').list(1)).toHaveLength(0);
  });

  it('refuses a ticket type the instance does not have on check', async () => {
    const block = sim.psaBlock('halopsa');
    const config = halopsaProvider.configSchema.parse({ ...block.section, ...block.secrets, caFile: sim.caPath, ticketTypeId: 77 });
    const err = await halopsaProvider.createClient(config, { logger }).check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/psa\.ticketTypeId/);
  });

  it('waits out throttling and fails as server when Halo is down', async () => {
    const ledger = sim.psa('halopsa');
    ledger.faults = { throttleNext: 2, retryAfterSeconds: 1 };
    const before = ledger.byStatus['429'] ?? 0;
    const ref = await client().create(draft('[ratchet:ep-throttled]'));
    expect(ledger.byStatus['429']! - before).toBe(2);
    expect(ledger.tickets.get(Number(ref.id))).toBeDefined();
    ledger.faults = { down: true };
    const err = await client({}, { maxRetries: 0 }).get(ref.id).catch((e: unknown) => e);
    expect((err as VendorHttpError).kind).toBe('server');
    ledger.faults = {};
  });

  it('a create that times out is not sent again, and findByMarker finds the ticket it made', async () => {
    const ledger = sim.psa('halopsa');
    const marker = '[ratchet:ep-stalled]';
    ledger.faults = { stallCreateMs: 1500 };
    const c = client({}, { timeoutMs: 300 });
    const err = await c.create(draft(marker)).catch((e: unknown) => e);
    expect((err as VendorHttpError).kind).toBe('timeout');
    ledger.faults = {};
    expect(ledger.list(CONTOSO).filter((t) => t.summary.includes(marker))).toHaveLength(1);
    const found = await c.findByMarker(CONTOSO, marker);
    expect(found).not.toBeNull();
    expect(ledger.tickets.get(Number(found!.id))!.summary).toContain(marker);
  });
});
