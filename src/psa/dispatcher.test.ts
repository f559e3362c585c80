/**
 * The ticket dispatcher against a real store (SQLite) and a real PSA fake over HTTPS (ConnectWise's): the paths the
 * end-to-end suite does not reach — a ticket deleted or closed by a technician at the PSA, an operation the PSA
 * refuses on its merits (the queue moves on), a throttled PSA (ridden out), and the lease after a crash.
 */
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectwiseProvider, connectwiseSimulator } from '../../psa/connectwise/index.js';
import type { AlertEvent, Episode } from '../domain/episode.js';
import type { TicketOp } from '../domain/ticket.js';
import { psaCompanyId } from '../simulator/psa.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { SqliteStore } from '../store/index.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { TicketDispatcher } from './dispatcher.js';
import { planTicketOps } from './plan.js';

const logger = pino({ level: 'silent' });
let sim: Simulator;
let store: SqliteStore;
let clock = Date.parse('2026-12-01T02:00:00.000Z');
const now = () => new Date(clock);
const contoso = psaCompanyId('contoso');

function dispatcher() {
  const block = sim.psaBlock('connectwise');
  const config = connectwiseProvider.configSchema.parse({ ...block.section, ...block.secrets, caFile: sim.caPath });
  const client = connectwiseProvider.createClient(config, { logger, backoffBaseMs: 5, maxRetries: 2, timeoutMs: 5_000 });
  return new TicketDispatcher({ store, client, provider: 'connectwise', title: 'ConnectWise PSA', logger, now });
}

let n = 0;
let scans = 0;
function episode(over: Partial<Episode> = {}): Episode {
  n += 1;
  return {
    id: `ep-${String(n).padStart(20, '0')}`,
    tenantId: 'contoso',
    kind: 'regression',
    state: 'confirmed',
    openedAt: now().toISOString(),
    openedScanId: 'x',
    baselineScanId: null,
    confirmedAt: now().toISOString(),
    confirmedScanId: 'x',
    closedAt: null,
    closedScanId: null,
    confirmations: 2,
    previousLevel: 3,
    currentLevel: 2,
    drops: [{ kind: 'level', id: 'overall', from: 3, to: 2, rules: [{ ruleId: 'mfa-enforced-all-users', from: 'pass', to: 'fail', observed: '71 %', expected: '≥ 95 %' }] }],
    lostKeys: [],
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
    ...over,
  };
}

/** Stores a scan with the episode and the ops a scan of it would queue (kind: what the scan raised). */
async function queue(e: Episode, kind: 'regression' | 'recovery' | 'changed', company = contoso, before: Episode[] = []): Promise<TicketOp[]> {
  scans += 1;
  const scan = sampleScan({ id: `scan-${scans}-${kind}`, tenantId: 'contoso', startedAt: now().toISOString() });
  const event: AlertEvent = {
    kind: kind === 'changed' ? 'regression' : kind,
    episodeId: e.id,
    tenant: { id: 'contoso', name: 'Contoso Ltd' },
    occurredAt: now().toISOString(),
    scanId: scan.id,
    previousLevel: 3,
    currentLevel: 2,
    previousLevelName: 'Defined',
    currentLevelName: 'Managed',
    drops: e.drops,
    lostKeys: [],
    link: null,
    command: `ratchet rescore --scan ${scan.id} --format markdown`,
  };
  const ops = planTicketOps(
    {
      psa: { ticketOn: ['regression'] },
      tenant: { id: 'contoso', name: 'Contoso Ltd', psa: { company } },
      before,
      episodes: [e],
      events: kind === 'changed' ? [] : [event],
      scan: { id: scan.id, finishedAt: now().toISOString(), level: 2, findings: scan.report.findings, evidence: scan.report.evidence },
    },
    now(),
  );
  await store.saveScan(scan, { episodes: [e], ticketOps: ops });
  return ops;
}

beforeAll(async () => {
  sim = await startSimulator({ tenants: [{ id: 'contoso', name: 'Contoso Ltd' }], psa: [connectwiseSimulator] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  store = new SqliteStore(':memory:');
  await store.migrate();
  sim.psa('connectwise').faults = {};
  sim.psa('connectwise').tickets.clear();
  clock += 3_600_000;
});

describe('TicketDispatcher', () => {
  it('a note for a ticket a technician deleted opens a new one instead of failing', async () => {
    const ledger = sim.psa('connectwise');
    const e = episode();
    await queue(e, 'regression');
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 0, blocked: false });
    const [first] = ledger.list();
    ledger.tickets.delete(first!.id);

    const worse = { ...e, currentLevel: 1, drops: [...e.drops, { kind: 'capability' as const, id: 'recovery', from: 80, to: 40, rules: [] }] };
    expect(await queue(worse, 'changed', contoso, [e])).toHaveLength(1);
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 0, blocked: false });
    const [second] = ledger.list();
    expect(second!.id).not.toBe(first!.id);
    expect((await store.ticketFor(e.id))!.ticketId).toBe(String(second!.id));
  });

  it('a ticket a technician already closed gets no second close, and the record says closed', async () => {
    const ledger = sim.psa('connectwise');
    const e = episode();
    await queue(e, 'regression');
    await dispatcher().runOnce();
    const t = ledger.list()[0]!;
    t.closed = true;
    t.status = '>Closed';
    await queue({ ...e, state: 'closed', closedAt: now().toISOString(), closedScanId: 'y' }, 'recovery');
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 0, blocked: false });
    expect(ledger.list()[0]!.notes).toEqual([]);
    expect(await store.ticketFor(e.id)).toMatchObject({ state: 'closed', ticketId: String(t.id) });
  });

  it('an operation the PSA refuses on its merits fails with the reason, and the queue moves on', async () => {
    const bad = episode();
    const good = episode();
    await queue(bad, 'regression', 99);
    await queue(good, 'regression');
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 1, blocked: false });
    const [failed, done] = await store.ticketOps();
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed!.lastError).toMatch(/tenants\[\]\.psa\.company/);
    expect(done).toMatchObject({ status: 'delivered' });
    expect(sim.psa('connectwise').list().map((t) => t.company)).toEqual([contoso]);
  });

  it('rides out throttling within the run (Retry-After honoured) and makes the ticket once', async () => {
    sim.psa('connectwise').faults = { throttleNext: 2, retryAfterSeconds: 1 };
    await queue(episode(), 'regression');
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 0, blocked: false });
    expect(sim.psa('connectwise').list()).toHaveLength(1);
  });

  it('a claimed operation whose process died is held until its lease ends, then runs and finds nothing twice', async () => {
    const e = episode();
    await queue(e, 'regression');
    // A crashed dispatcher: it claimed the op and made nothing yet.
    const claimed = await store.claimNextTicketOp(now().toISOString(), new Date(clock + 600_000).toISOString());
    expect(claimed!.attempts).toBe(1);
    expect(await dispatcher().runOnce()).toEqual({ done: 0, failed: 0, blocked: false });
    clock += 601_000;
    expect(await dispatcher().runOnce()).toEqual({ done: 1, failed: 0, blocked: false });
    expect((await store.ticketOps())[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(sim.psa('connectwise').list()).toHaveLength(1);
  });
});
