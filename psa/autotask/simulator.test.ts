/**
 * The Autotask client against its fake over real HTTPS (simulator CA, verification on): zone discovery on the same
 * origin, the ticket lifecycle, bad credentials, an unknown company, throttling, and the crash window of a create
 * whose answer never arrives.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PsaRejectedError } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { psaCompanyId } from '../../src/simulator/psa.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { autotaskConfigSchema } from './config.js';
import { autotaskProvider, autotaskSimulator } from './index.js';

const logger = pino({ level: 'silent' });
let sim: Simulator;

function client(opts: { wrongSecret?: boolean; timeoutMs?: number } = {}) {
  const block = sim.psaBlock('autotask', { wrongSecret: opts.wrongSecret });
  const config = autotaskConfigSchema.parse({ ...block.section, ...block.secrets, caFile: sim.caPath });
  return autotaskProvider.createClient(config, { logger, backoffBaseMs: 1, maxRetries: 2, timeoutMs: opts.timeoutMs });
}

const text = (s: string) => ({ text: s, html: `<p>${s}</p>` });

beforeAll(async () => {
  sim = await startSimulator({ tenants: [{ id: 'contoso', name: 'Contoso Ltd' }], psa: [autotaskSimulator] });
});
afterAll(async () => sim.close());

describe('autotask against its fake', () => {
  it('creates, finds, notes and closes a ticket', async () => {
    sim.psa('autotask').faults = {};
    const company = psaCompanyId('contoso');
    const c = client();
    await c.check();
    const marker = '[ratchet:ep-life]';
    expect(await c.findByMarker(company, marker)).toBeNull();
    const ref = await c.create({ company, summary: `Backups failing ${marker}`, marker, ...text('first') });
    expect(await c.findByMarker(company, marker)).toEqual(ref);
    expect(await c.findByMarker(company + 1, marker)).toBeNull();
    await c.addNote(ref.id, text('worse'));
    await c.close(ref.id, text('recovered'));
    expect(await c.get(ref.id)).toEqual({ id: ref.id, closed: true });
    expect(await c.get('999999')).toBeNull();
    const record = sim.psa('autotask').tickets.get(Number(ref.id))!;
    expect(record.company).toBe(company);
    expect(record.fields).toMatchObject({ queueID: 29683378, priority: 2, status: 1 });
    expect(record.notes.map((n) => [n.text, n.internal])).toEqual([
      ['worse', true],
      ['recovered', true],
    ]);
    expect(record.closed).toBe(true);
  });

  it('reports a wrong secret as an auth failure', async () => {
    sim.psa('autotask').faults = {};
    const err = await client({ wrongSecret: true }).check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
  });

  it('refuses a company that does not exist, naming the field to fix', async () => {
    sim.psa('autotask').faults = {};
    const err = await client().create({ company: 1, summary: 'x [ratchet:ep-x]', marker: '[ratchet:ep-x]', ...text('x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toContain('tenants[].psa.company');
  });

  it('waits out a throttle and reports an outage as a server failure', async () => {
    const ledger = sim.psa('autotask');
    ledger.faults = { throttleNext: 1, retryAfterSeconds: 0 };
    const c = client();
    await c.check();
    expect(ledger.byStatus['429']).toBeGreaterThanOrEqual(1);
    ledger.faults = { down: true };
    const err = await client().check().catch((e: unknown) => e);
    expect((err as VendorHttpError).kind).toBe('server');
    ledger.faults = {};
  });

  it('a create that times out leaves a ticket findByMarker finds', async () => {
    const ledger = sim.psa('autotask');
    const company = psaCompanyId('contoso');
    const marker = '[ratchet:ep-stall]';
    const c = client({ timeoutMs: 300 });
    await c.check(); // zone discovered before the stall
    ledger.faults = { stallCreateMs: 1500 };
    const before = ledger.list().length;
    const err = await c.create({ company, summary: `Stalled ${marker}`, marker, ...text('s') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('timeout');
    expect(ledger.list().length).toBe(before + 1);
    ledger.faults = {};
    const found = await c.findByMarker(company, marker);
    expect(found?.id).toBe(String(ledger.list().at(-1)!.id));
  });
});
