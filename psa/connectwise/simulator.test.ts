import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PsaRejectedError } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { psaCompanyId } from '../../src/simulator/psa.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { connectwiseProvider, connectwiseSimulator } from './index.js';
import { parseConditions, sqlLike } from './simulator.js';

const logger = pino({ level: 'silent' });
let sim: Simulator;
const contoso = psaCompanyId('contoso');
const fabrikam = psaCompanyId('fabrikam');

function clientFor(opts: { wrongSecret?: boolean; timeoutMs?: number; extra?: Record<string, unknown> } = {}) {
  const block = sim.psaBlock('connectwise', { wrongSecret: opts.wrongSecret });
  const config = connectwiseProvider.configSchema.parse({ ...block.section, ...block.secrets, caFile: sim.caPath, ...opts.extra });
  return connectwiseProvider.createClient(config, { logger, backoffBaseMs: 5, maxRetries: 2, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
}
const draft = (marker: string, company = contoso) => ({ company, summary: `Identity regressed to level 1 ${marker}`, marker, text: 'MFA coverage fell', html: '<p>MFA coverage fell</p>' });

beforeAll(async () => {
  sim = await startSimulator({ tenants: [{ id: 'contoso', name: 'Contoso Ltd' }, { id: 'fabrikam', name: 'Fabrikam Inc' }], psa: [connectwiseSimulator] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.psa('connectwise').faults = {};
});

describe('connectwise client against the fake over HTTPS', () => {
  it('creates, finds by marker, notes and closes a ticket', async () => {
    const c = clientFor();
    await c.check();
    const marker = '[ratchet:ep-1111aaaa]';
    const created = await c.create(draft(marker));
    expect(created.closed).toBe(false);
    // A ticket of another company with the same marker must not be found for contoso.
    await c.create(draft(marker, fabrikam));
    await expect(c.findByMarker(contoso, marker)).resolves.toEqual(created);
    await expect(c.findByMarker(contoso, '[ratchet:ep-2222bbbb]')).resolves.toBeNull();

    await c.addNote(created.id, { text: 'still failing', html: '<p>still failing</p>' });
    await c.close(created.id, { text: 'recovered', html: '<p>recovered</p>' });
    const record = sim.psa('connectwise').tickets.get(Number(created.id))!;
    expect(record.company).toBe(contoso);
    expect(record.body).toBe('MFA coverage fell');
    expect(record.notes.map((n) => [n.text, n.internal])).toEqual([
      ['still failing', true],
      ['recovered', true],
    ]);
    expect(record).toMatchObject({ closed: true, status: '>Closed' });
    await expect(c.get(created.id)).resolves.toEqual({ id: created.id, closed: true });
    await expect(c.findByMarker(contoso, marker)).resolves.toEqual({ id: created.id, closed: true });
  });

  it('finds the newest of several tickets with the marker', async () => {
    const c = clientFor();
    const marker = '[ratchet:ep-3333cccc]';
    await c.create(draft(marker));
    const newer = await c.create(draft(marker));
    await expect(c.findByMarker(contoso, marker)).resolves.toEqual(newer);
  });

  it('returns null for an unknown ticket id', async () => {
    await expect(clientFor().get('987654')).resolves.toBeNull();
  });

  it('refuses a wrong private key as an auth failure', async () => {
    const err = await clientFor({ wrongSecret: true }).check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
    expect((err as Error).message).not.toContain(sim.psaBlock('connectwise', { wrongSecret: true }).secrets.privateKey!);
  });

  it('refuses an unknown company naming tenants[].psa.company, and an unknown board naming psa.board', async () => {
    await expect(clientFor().create(draft('[ratchet:ep-4444dddd]', 1))).rejects.toThrow(/tenants\[\]\.psa\.company/);
    const wrongBoard = clientFor({ extra: { board: 'No Such Board' } });
    const err = await wrongBoard.create(draft('[ratchet:ep-4444dddd]')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/psa\.board/);
    await expect(wrongBoard.check()).rejects.toThrow(/psa\.board/);
  });

  it('names psa.closedStatus when the closing status is not on the board', async () => {
    const c = clientFor({ extra: { closedStatus: 'Done-ish' } });
    const t = await c.create(draft('[ratchet:ep-5555eeee]'));
    await expect(c.close(t.id, { text: 'n', html: 'n' })).rejects.toThrow(/psa\.closedStatus/);
  });

  it('waits out a throttle (429 + Retry-After) and carries on', async () => {
    sim.psa('connectwise').faults = { throttleNext: 1, retryAfterSeconds: 1 };
    const c = clientFor();
    const started = Date.now();
    await c.create(draft('[ratchet:ep-6666ffff]'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(c.requests).toBe(2);
  });

  it('reports an outage as a server error', async () => {
    sim.psa('connectwise').faults = { down: true };
    const err = await clientFor().get('1001').catch((e: unknown) => e);
    expect((err as VendorHttpError).kind).toBe('server');
  });

  it('a create that times out has still happened, and the marker search finds it', async () => {
    const marker = '[ratchet:ep-7777abcd]';
    sim.psa('connectwise').faults = { stallCreateMs: 1500 };
    const c = clientFor({ timeoutMs: 300 });
    const err = await c.create(draft(marker)).catch((e: unknown) => e);
    expect((err as VendorHttpError).kind).toBe('timeout');
    sim.psa('connectwise').faults = {};
    const exists = sim.psa('connectwise').list(contoso).filter((t) => t.summary.endsWith(marker));
    expect(exists).toHaveLength(1);
    await expect(c.findByMarker(contoso, marker)).resolves.toEqual({ id: String(exists[0]!.id), closed: false });
  });
});

describe('connectwise fake semantics', () => {
  it('parses the conditions subset strictly', () => {
    expect(parseConditions('company/id=12345 and summary contains "a \\"b\\""')).toEqual([
      { field: 'company/id', op: '=', value: 12345 },
      { field: 'summary', op: 'contains', value: 'a "b"' },
    ]);
    expect(() => parseConditions('owner/id=5')).toThrow(/unknown field/);
    expect(() => parseConditions('summary contains unquoted')).toThrow();
    expect(() => parseConditions('company/id=1 or closedFlag=false')).toThrow(/and/);
  });

  it('runs contains as SQL Server LIKE, where [..] is a character class', () => {
    expect(sqlLike('%ratchet:ep-1%', 'x [ratchet:ep-1]')).toBe(true);
    // The class matches one character: a bracketed marker matches unrelated text, and misses itself in context.
    expect(sqlLike('%[ratchet:ep-1]%', 'e')).toBe(true);
    expect(sqlLike('%[ratchet:ep-1]%', 'zzz')).toBe(false);
    expect(sqlLike('%x [ratchet]%', 'x [ratchet]')).toBe(false);
    expect(sqlLike('%50_%', '50%')).toBe(true);
  });
});
