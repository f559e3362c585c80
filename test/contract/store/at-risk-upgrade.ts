/**
 * Schema v9 (at-risk episodes) on a database written at v8: episodes, their alert rows and ticket operations all
 * survive the upgrade, in their order (SQLite rebuilds `episodes`, whose drop would otherwise cascade into
 * `deliveries` and `ticket_ops`), and an `at_risk` episode — refused by the v8 CHECK — can then be stored.
 * Each adapter's test calls this with a factory for one database at a given migration list.
 */
import { expect } from 'vitest';
import type { Migration } from '../../../src/store/migration-checks.js';
import type { Store } from '../../../src/store/store.js';
import type { TicketOp } from '../../../src/domain/ticket.js';
import { sampleScan } from '../../helpers/sample-scan.js';
import { at, delivery, episode } from './fixtures.js';

const ticketOp = (episodeId: string, n: number): TicketOp => {
  const idempotencyKey = `ticket:${episodeId}:open:${n}`;
  return {
    id: `to-${idempotencyKey}`,
    idempotencyKey,
    payload: {
      action: 'open',
      episodeId,
      episodeKind: 'regression',
      tenantId: 'contoso',
      company: 250,
      scanId: 'scan-contoso-0001',
      subject: 'Contoso: maturity slipped',
      body: 'body',
      note: null,
    } as unknown as TicketOp['payload'],
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(n),
    lastError: null,
    createdAt: at(0),
    deliveredAt: null,
  };
};

export async function checkAtRiskUpgrade(open: (migrations: readonly Migration[]) => Store, migrations: readonly Migration[]): Promise<void> {
  const v8 = migrations.filter((m) => m.version <= 8);
  const old = open(v8);
  const first = episode({ id: 'ep-a', openedAt: '2025-01-02T00:00:00.000Z' });
  const second = episode({ id: 'ep-b', kind: 'visibility', openedAt: '2025-01-02T00:00:00.000Z', lostKeys: ['rmm.patches'] });
  const rows = [delivery({ episodeId: 'ep-a', channel: '0:webhook' }), delivery({ episodeId: 'ep-b', event: 'lost_visibility', channel: '1:teams' })];
  const ops = [ticketOp('ep-a', 1), ticketOp('ep-b', 2)];
  await old.saveScan(sampleScan(), { episodes: [first, second], deliveries: rows, ticketOps: ops });
  // v8 refuses the new kind: the upgrade is what allows it.
  await expect(old.saveEpisode(episode({ id: 'ep-early', kind: 'at_risk' }))).rejects.toThrow();
  const before = await old.episodes('contoso');
  await old.close();

  const upgraded = open(migrations);
  await upgraded.migrate();
  // Same episodes, same tie order (both opened at the same instant: insertion order decides).
  expect(await upgraded.episodes('contoso')).toEqual(before);
  expect(before.map((e) => e.id)).toEqual(['ep-b', 'ep-a']);
  // The alert rows and the ticket queue are intact, in order.
  expect((await upgraded.claimDueDeliveries(at(5), 10, at(30))).map((d) => d.id).sort()).toEqual(rows.map((d) => d.id).sort());
  expect((await upgraded.claimNextTicketOp(at(5), at(30)))?.id).toBe(ops[0]!.id);
  const atRisk = episode({ id: 'ep-risk', kind: 'at_risk', openedAt: '2025-01-03T00:00:00.000Z' });
  await upgraded.saveEpisode(atRisk);
  expect((await upgraded.episodes('contoso', { open: true })).map((e) => e.id)).toEqual(['ep-risk', 'ep-b', 'ep-a']);
  await upgraded.close();
}
