/**
 * Which ticket operations a scan queues (DESIGN §13), a pure function of the episodes before and after it:
 * - a confirmed regression (or lost visibility, if `ticketOn` names it) opens a ticket: one per episode, ever;
 * - while the episode stays open, a scan whose evidence differs *materially* from the previous scan's adds one note:
 *   another rule or capability dropped or came back, a rule's outcome changed, or the level moved. A score that
 *   wobbles within the same outcome is not material (a ticket that gains a note every night is a ticket nobody reads);
 * - recovery adds a note and closes.
 * Operations are written in the scan's transaction, with the episodes, so a crash never loses or doubles one; the
 * idempotency key per (episode, action[, scan]) makes a replayed scan queue nothing new.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../domain/assessment.js';
import { LEVEL_NAMES } from '../domain/assessment.js';
import type { AlertEvent, Episode } from '../domain/episode.js';
import type { Evidence } from '../domain/evidence.js';
import type { TicketAction, TicketJob, TicketOp } from '../domain/ticket.js';
import type { TicketOn } from '../config/psa.js';
import { ticketBody, ticketMarker, ticketNote, ticketSummary } from './ticket-text.js';

export interface TicketPlanInput {
  /** The `psa:` block's frame; undefined = no PSA, nothing to plan. */
  psa: { ticketOn: readonly TicketOn[] } | undefined;
  tenant: { id: string; name: string; psa?: { company: number } | undefined };
  /** The tenant's open episodes before this scan. */
  before: readonly Episode[];
  /** Episodes this scan changed (advanceEpisodes' output). */
  episodes: readonly Episode[];
  /** Alert events this scan raised. */
  events: readonly AlertEvent[];
  scan: { id: string; finishedAt: string; level: number; findings: readonly Finding[]; evidence: readonly Evidence[] };
  publicUrl?: string | undefined;
}

export function ticketOpId(idempotencyKey: string): string {
  return `tk-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
}

/** What makes two scans of one open episode "the same" to a technician (see the file comment). */
export function materialFingerprint(e: Pick<Episode, 'kind' | 'drops' | 'lostKeys' | 'currentLevel'>): string {
  if (e.kind === 'visibility') return JSON.stringify([...e.lostKeys].sort());
  const drops = e.drops.map((d) => `${d.kind}:${d.id}|${d.rules.map((r) => `${r.ruleId}:${r.to}`).sort().join(',')}`).sort();
  return JSON.stringify([e.currentLevel, drops]);
}

/** The `ticketOn` setting that makes this kind of episode a ticket; null for at-risk notices, which never are (DESIGN §13: tickets are for what happened, a forecast is not). */
function opensOn(kind: Episode['kind']): TicketOn | null {
  if (kind === 'at_risk') return null;
  return kind === 'regression' ? 'regression' : 'lost_visibility';
}

const ticketed = (ticketOn: ReadonlySet<TicketOn>, kind: Episode['kind']): boolean => {
  const on = opensOn(kind);
  return on !== null && ticketOn.has(on);
};

/** The alert-shaped view of an episode at this scan (a material change raises no alert, but its note says the same). */
function eventOf(e: Episode, input: TicketPlanInput): AlertEvent {
  const base = input.publicUrl?.replace(/\/$/, '');
  return {
    kind: e.kind === 'regression' ? 'regression' : 'lost_visibility',
    episodeId: e.id,
    tenant: { id: input.tenant.id, name: input.tenant.name },
    occurredAt: input.scan.finishedAt,
    scanId: input.scan.id,
    previousLevel: e.previousLevel,
    currentLevel: input.scan.level,
    previousLevelName: e.previousLevel === null ? null : (LEVEL_NAMES[e.previousLevel] ?? null),
    currentLevelName: LEVEL_NAMES[input.scan.level] ?? null,
    drops: e.kind === 'regression' ? e.drops : [],
    lostKeys: e.kind === 'visibility' ? e.lostKeys : [],
    link: base ? `${base}/tenants/${encodeURIComponent(input.tenant.id)}/scans/${encodeURIComponent(input.scan.id)}` : null,
    command: `ratchet rescore --scan ${input.scan.id} --format markdown`,
  };
}

export function planTicketOps(input: TicketPlanInput, now: Date): TicketOp[] {
  const company = input.tenant.psa?.company;
  if (!input.psa || company === undefined) return [];
  const ticketOn = new Set(input.psa.ticketOn);
  const at = now.toISOString();
  const ctx = { findings: input.scan.findings, evidence: input.scan.evidence };
  const ops: TicketOp[] = [];

  const queue = (action: TicketAction, e: Episode, event: AlertEvent, note: TicketJob['note'], keySuffix = '') => {
    const marker = ticketMarker(e.id);
    // The body always describes the episode at its worst-known state, so a note or close that finds no ticket
    // (it was deleted at the PSA) can open one that still makes sense.
    const bodyEvent: AlertEvent = event.kind === 'recovery' || event.kind === 'visibility_restored' ? { ...eventOf(e, input), kind: e.kind === 'regression' ? 'regression' : 'lost_visibility' } : event;
    const idempotencyKey = `ticket:${e.id}:${action}${keySuffix}`;
    const payload: TicketJob = {
      action,
      tenantId: input.tenant.id,
      tenantName: input.tenant.name,
      episodeId: e.id,
      episodeKind: e.kind,
      company,
      scanId: input.scan.id,
      occurredAt: input.scan.finishedAt,
      marker,
      summary: ticketSummary(bodyEvent, marker),
      body: ticketBody(bodyEvent, { ...ctx, marker }),
      note,
    };
    ops.push({ id: ticketOpId(idempotencyKey), idempotencyKey, payload, status: 'pending', attempts: 0, nextAttemptAt: at, lastError: null, createdAt: at, deliveredAt: null });
  };

  const raised = new Set(input.events.map((ev) => ev.episodeId));
  for (const ev of input.events) {
    const e = input.episodes.find((x) => x.id === ev.episodeId);
    if (!e || !ticketed(ticketOn, e.kind)) continue;
    if (ev.kind === 'regression' || ev.kind === 'lost_visibility') queue('open', e, ev, null);
    else {
      const heading = ev.kind === 'recovery' ? 'Recovered: the latest scan no longer shows the drop against the baseline. Closing.' : 'The evidence is available again. Closing.';
      queue('close', e, ev, ticketNote(heading, ev, { ...ctx, marker: ticketMarker(e.id) }));
    }
  }
  for (const e of input.episodes) {
    if (raised.has(e.id) || e.state !== 'confirmed' || !ticketed(ticketOn, e.kind)) continue;
    const prev = input.before.find((b) => b.id === e.id);
    if (!prev || prev.state !== 'confirmed' || materialFingerprint(prev) === materialFingerprint(e)) continue;
    const ev = eventOf(e, input);
    queue('note', e, ev, ticketNote('The evidence changed since the last note: this is what the latest scan shows.', ev, { ...ctx, marker: ticketMarker(e.id) }), `:${input.scan.id}`);
  }
  return ops;
}
