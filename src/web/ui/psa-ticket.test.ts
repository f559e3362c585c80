/**
 * The history page names each episode's PSA ticket (DESIGN §13) through the real server, service and store: the
 * ticket made (id, PSA, state), or that it waits for the PSA and why — so a technician sees "the ticket did not
 * happen yet: HTTP 503" without reading logs.
 */
import { describe, expect, it } from 'vitest';
import type { TicketOp } from '../../domain/ticket.js';
import { sampleScan } from '../../../test/helpers/sample-scan.js';
import { episode, fixturesClosedAfterEach } from '../test-support.js';
import { uiPlugin } from './index.js';

const fixture = fixturesClosedAfterEach();

function op(episodeId: string, action: TicketOp['payload']['action'], key: string): TicketOp {
  const text = { text: 'x', html: '<p>x</p>' };
  return {
    id: `tk-${key}`,
    idempotencyKey: `ticket:${episodeId}:${key}`,
    payload: { action, tenantId: 'contoso', tenantName: 'Contoso Ltd', episodeId, episodeKind: 'regression', company: 19342, scanId: 'scan-contoso-3', occurredAt: '2025-01-03T02:00:00.000Z', marker: `[ratchet:${episodeId}]`, summary: 's', body: text, note: action === 'open' ? null : text },
    status: 'pending',
    attempts: 0,
    nextAttemptAt: '2025-01-03T02:00:00.000Z',
    lastError: null,
    createdAt: '2025-01-03T02:00:00.000Z',
    deliveredAt: null,
  };
}

describe('PSA tickets on the history page', () => {
  it('shows the ticket of an episode, and a later operation waiting for the PSA with its reason', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const before = await f.as('viewer', { method: 'GET', url: '/tenants/contoso/history', headers: { accept: 'text/html' } });
    expect(before.statusCode).toBe(200);
    expect(before.payload).not.toContain('PSA ticket');

    const second = episode({ id: 'ep-contoso-2', openedAt: '2025-01-02T03:00:00.000Z', openedScanId: 'scan-contoso-2' });
    await f.store.saveScan(sampleScan({ tenantId: 'contoso', tenantName: 'Contoso Ltd', id: 'scan-contoso-3', startedAt: '2025-01-03T02:00:00.000Z' }), {
      episodes: [second],
      ticketOps: [op('ep-contoso-1', 'open', 'open-1'), op('ep-contoso-1', 'note', 'note-1'), op('ep-contoso-2', 'open', 'open-2')],
    });
    const first = await f.store.claimNextTicketOp('2025-01-03T02:00:00.000Z', '2025-01-03T02:10:00.000Z');
    await f.store.completeTicketOp(first!.id, { status: 'delivered', attempts: 1, nextAttemptAt: first!.nextAttemptAt, lastError: null, deliveredAt: '2025-01-03T02:00:01.000Z' }, {
      episodeId: 'ep-contoso-1', tenantId: 'contoso', provider: 'connectwise', ticketId: '4711', company: 19342, state: 'open', createdAt: '2025-01-03T02:00:01.000Z', updatedAt: '2025-01-03T02:00:01.000Z',
    });
    const note = await f.store.claimNextTicketOp('2025-01-03T02:00:02.000Z', '2025-01-03T02:10:00.000Z');
    await f.store.completeTicketOp(note!.id, { status: 'pending', attempts: 1, nextAttemptAt: '2025-01-03T02:01:00.000Z', lastError: 'ConnectWise PSA POST /service/tickets/4711/notes failed: HTTP 503', deliveredAt: null });

    const res = await f.as('viewer', { method: 'GET', url: '/tenants/contoso/history', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.payload).toContain('PSA ticket');
    expect(res.payload).toMatch(/#4711 <span class="muted">\(connectwise\)<\/span>/);
    expect(res.payload).toContain('HTTP 503');
    // The second episode's ticket waits behind the first's note: said as such, with no ticket id yet.
    const rows = res.payload.split('<tr>').filter((r) => r.includes('psa-ticket'));
    expect(rows.filter((r) => r.includes('>waiting<'))).toHaveLength(2);
    expect(rows.filter((r) => r.includes('#4711'))).toHaveLength(1);

    // Another tenant's page shows none of them.
    const other = await f.as('viewer', { method: 'GET', url: '/tenants/fabrikam/history', headers: { accept: 'text/html' } });
    expect(other.payload).not.toContain('4711');
    expect(other.payload).not.toContain('PSA ticket');
  });
});
