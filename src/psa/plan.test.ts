import { describe, expect, it } from 'vitest';
import type { Finding } from '../domain/assessment.js';
import type { AlertEvent, Episode } from '../domain/episode.js';
import type { Evidence } from '../domain/evidence.js';
import { materialFingerprint, planTicketOps, type TicketPlanInput } from './plan.js';
import { MAX_ITEMS_PER_RULE, MAX_SUMMARY } from './ticket-text.js';

const NOW = new Date('2026-12-01T02:00:00.000Z');

function episode(over: Partial<Episode> = {}): Episode {
  return {
    id: 'ep-0123456789abcdef0123',
    tenantId: 'contoso',
    kind: 'regression',
    state: 'confirmed',
    openedAt: '2026-11-30T02:00:00.000Z',
    openedScanId: 's1',
    baselineScanId: 's0',
    confirmedAt: '2026-12-01T02:00:00.000Z',
    confirmedScanId: 's2',
    closedAt: null,
    closedScanId: null,
    confirmations: 2,
    previousLevel: 3,
    currentLevel: 2,
    drops: [
      { kind: 'level', id: 'overall', from: 3, to: 2, rules: [] },
      { kind: 'capability', id: 'identity', from: 82, to: 61, rules: [{ ruleId: 'mfa-enforced-all-users', from: 'pass', to: 'fail', observed: '71% enforced', expected: '≥ 95%' }] },
    ],
    lostKeys: [],
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgement: null,
    ...over,
  };
}

function event(kind: AlertEvent['kind'], e: Episode): AlertEvent {
  return {
    kind,
    episodeId: e.id,
    tenant: { id: 'contoso', name: 'Contoso Ltd' },
    occurredAt: NOW.toISOString(),
    scanId: 's2',
    previousLevel: 3,
    currentLevel: 2,
    previousLevelName: 'Defined',
    currentLevelName: 'Managed',
    drops: e.drops,
    lostKeys: e.lostKeys,
    link: 'https://ratchet.msp.example/tenants/contoso/scans/s2',
    command: 'ratchet rescore --scan s2 --format markdown',
  };
}

const offenders = Array.from({ length: 23 }, (_, i) => `user${i}@contoso.example`);
const finding: Finding = {
  ruleId: 'mfa-enforced-all-users',
  title: 'MFA is enforced for all users',
  capability: 'identity',
  level: 2,
  outcome: 'fail',
  score: 0.3,
  evidence: ['m365.mfa.enforcement'],
  observed: '71% enforced',
  expected: '≥ 95%',
  remediation: 'Enforce MFA with a Conditional Access policy for all users.',
  weight: 1,
  critical: true,
  advisory: false,
  measured: 0.71,
  reason: null,
};
const evidence: Evidence[] = [
  {
    key: 'm365.mfa.enforcement',
    status: 'ok',
    value: { coverage: 0.71, usersWithoutMfa: { items: offenders, total: 23, truncated: false } },
    reason: null,
    source: { collector: 'm365', endpoints: ['/policies'], requests: 1 },
    collectedAt: NOW.toISOString(),
  },
];

function input(over: Partial<TicketPlanInput> = {}): TicketPlanInput {
  const e = episode();
  return {
    psa: { ticketOn: ['regression'] },
    tenant: { id: 'contoso', name: 'Contoso Ltd', psa: { company: 19342 } },
    before: [],
    episodes: [e],
    events: [event('regression', e)],
    scan: { id: 's2', finishedAt: NOW.toISOString(), level: 2, findings: [finding], evidence },
    publicUrl: 'https://ratchet.msp.example',
    ...over,
  };
}

describe('planTicketOps', () => {
  it('opens one ticket for a confirmed regression, carrying the evidence, the offending items (capped) and the link', () => {
    const [op, ...rest] = planTicketOps(input(), NOW);
    expect(rest).toEqual([]);
    expect(op).toMatchObject({ status: 'pending', attempts: 0, idempotencyKey: 'ticket:ep-0123456789abcdef0123:open' });
    const job = op!.payload;
    expect(job).toMatchObject({ action: 'open', company: 19342, tenantId: 'contoso', episodeKind: 'regression', note: null, marker: '[ratchet:ep-0123456789abcdef0123]' });
    expect(job.summary.endsWith(job.marker)).toBe(true);
    expect(job.summary).toContain('L3→L2');
    const text = job.body.text;
    expect(text).toContain('mfa-enforced-all-users: MFA is enforced for all users');
    expect(text).toContain('observed: 71% enforced');
    expect(text).toContain('expected: ≥ 95%');
    expect(text).toContain(`usersWithoutMfa (showing ${MAX_ITEMS_PER_RULE} of 23)`);
    expect(text).toContain('user9@contoso.example');
    expect(text).not.toContain('user10@contoso.example');
    expect(text).toContain('https://ratchet.msp.example/tenants/contoso/scans/s2');
    expect(job.body.html).toContain('<a href="https://ratchet.msp.example/tenants/contoso/scans/s2">');
  });

  it('never tickets an at-risk notice (a forecast, not something that happened), whatever ticketOn says', () => {
    const atRisk = episode({ kind: 'at_risk', drops: [], previousLevel: 3, currentLevel: 3 });
    const before = { ...atRisk, forecast: [] };
    const all = { psa: { ticketOn: ['regression', 'lost_visibility'] as Array<'regression' | 'lost_visibility'> } };
    expect(planTicketOps(input({ ...all, episodes: [atRisk], events: [event('at_risk', atRisk)] }), NOW)).toEqual([]);
    expect(planTicketOps(input({ ...all, episodes: [{ ...atRisk, state: 'closed' }], events: [event('at_risk_cleared', atRisk)] }), NOW)).toEqual([]);
    // An update of an open notice (its gates changed) is no "material change" note either.
    expect(planTicketOps(input({ ...all, before: [before], episodes: [{ ...atRisk, currentLevel: 2 }], events: [] }), NOW)).toEqual([]);
  });

  it('plans nothing without a psa block, without the tenant\u2019s company, or for a kind ticketOn leaves out', () => {
    expect(planTicketOps(input({ psa: undefined }), NOW)).toEqual([]);
    expect(planTicketOps(input({ tenant: { id: 'contoso', name: 'Contoso Ltd' } }), NOW)).toEqual([]);
    const v = episode({ kind: 'visibility', drops: [], lostKeys: ['rmm.patch.status'] });
    expect(planTicketOps(input({ episodes: [v], events: [event('lost_visibility', v)] }), NOW)).toEqual([]);
    expect(planTicketOps(input({ psa: { ticketOn: ['lost_visibility'] }, episodes: [v], events: [event('lost_visibility', v)] }), NOW)).toHaveLength(1);
  });

  it('a pending (unconfirmed) episode opens nothing', () => {
    const e = episode({ state: 'pending', confirmedAt: null, confirmedScanId: null });
    expect(planTicketOps(input({ episodes: [e], events: [] }), NOW)).toEqual([]);
  });

  it('a repeated scan of an open episode adds nothing when only scores wobble, one note when the evidence changes materially', () => {
    const before = episode();
    const wobble = episode({ drops: before.drops.map((d) => ({ ...d, to: d.to - 0.5 })) });
    expect(planTicketOps(input({ before: [before], episodes: [wobble], events: [] }), NOW)).toEqual([]);

    const worse = episode({
      currentLevel: 1,
      drops: [...before.drops, { kind: 'capability', id: 'recovery', from: 70, to: 40, rules: [{ ruleId: 'backup-fresh', from: 'pass', to: 'fail', observed: '3 days', expected: '≤ 24 h' }] }],
    });
    const ops = planTicketOps(input({ before: [before], episodes: [worse], events: [] }), NOW);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.payload.action).toBe('note');
    expect(ops[0]!.idempotencyKey).toBe('ticket:ep-0123456789abcdef0123:note:s2');
    expect(ops[0]!.payload.note!.text).toContain('backup-fresh');
    expect(materialFingerprint(before)).not.toBe(materialFingerprint(worse));
  });

  it('recovery adds a note and closes', () => {
    const closed = episode({ state: 'closed', closedAt: NOW.toISOString(), closedScanId: 's3' });
    const [op] = planTicketOps(input({ before: [episode()], episodes: [closed], events: [event('recovery', closed)] }), NOW);
    expect(op!.payload.action).toBe('close');
    expect(op!.payload.note!.text).toMatch(/^Recovered/);
    // The body still describes the regression, for a close that must open the ticket it cannot find.
    expect(op!.payload.summary).toContain('Maturity regression');
  });

  it('keeps the summary within 100 characters with the marker at its end, whatever the tenant is called', () => {
    const [op] = planTicketOps(input({ tenant: { id: 'contoso', name: 'A'.repeat(300) + '\n**[x](https://evil)**', psa: { company: 1 } } }), NOW);
    expect(op!.payload.summary.length).toBeLessThanOrEqual(MAX_SUMMARY);
    expect(op!.payload.summary.endsWith('[ratchet:ep-0123456789abcdef0123]')).toBe(true);
    expect(op!.payload.summary).not.toContain('\n');
  });

  it('escapes tenant-controlled text in the HTML body', () => {
    const hostile = { ...evidence[0]!, value: { usersWithoutMfa: { items: ['<script>alert(1)</script>'], total: 1, truncated: false } } } as Evidence;
    const [op] = planTicketOps(input({ scan: { id: 's2', finishedAt: NOW.toISOString(), level: 2, findings: [finding], evidence: [hostile] } }), NOW);
    expect(op!.payload.body.html).not.toContain('<script>');
    expect(op!.payload.body.html).toContain('&lt;script&gt;');
  });
});
