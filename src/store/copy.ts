/**
 * Copies one store's history into another through the `Store` interfaces (`ratchet migrate`, DESIGN §11), so any
 * pair of adapters works: SQLite → PostgreSQL, PostgreSQL → SQLite, SQLite → SQLite.
 *
 * What it copies, as stored (nothing is re-scored): every scan with its report and evidence bundle (and so its
 * evidence, findings and capability-score rows), oldest first; every episode and alert delivery in the state it is
 * in (acknowledged, confirmed, closed; delivered, failed, pending with its attempts); every PSA ticket operation in
 * its state and in queue order, and every ticket an episode has at the PSA in its state (so a ticket already made is
 * never made again from the new store); every scheduled client report delivery in its state (so a report already
 * sent is not sent again from the new store); every API token (hash only,
 * revoked ones included); every attestation; every audit entry. Browser sessions are NOT copied — token sessions,
 * the sessions of people signed in through OpenID Connect, and sign-ins in progress (schema v8) alike: they are
 * short-lived and bound to the source's cookies, and users simply sign in again.
 *
 * Idempotent: a record whose id is already in the target is left alone, so a rerun copies nothing. A scan, the
 * episodes it opened, their deliveries and their ticket operations are written by one `saveScan`, i.e. in one
 * transaction: an interrupted copy leaves whole scans, and the rerun carries on from where it stopped.
 */
import type { Delivery, Episode } from '../domain/episode.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { TicketOp } from '../domain/ticket.js';
import type { Store, StoredScan } from './store.js';

export const COPY_KINDS = [
  'scans',
  'evidence',
  'findings',
  'capability scores',
  'episodes',
  'deliveries',
  'ticket ops',
  'tickets',
  'report deliveries',
  'tokens',
  'attestations',
  'audit entries',
] as const;
export type CopyKind = (typeof COPY_KINDS)[number];

export interface CopyCount {
  kind: CopyKind;
  /** Rows in the source. */
  source: number;
  /** Rows this run wrote to the target. */
  copied: number;
  /** Source rows the target already had (by id), left alone. */
  alreadyThere: number;
  /** Source rows found in the target after the copy (equals `source` when the copy is complete). */
  inTarget: number;
}

export interface CopyResult {
  counts: CopyCount[];
  /** One line per kind whose source rows are not all in the target afterwards; empty when verified. */
  mismatches: string[];
}

export interface CopyOptions {
  /** Called after each scan written, for progress logs. */
  onScan?: (scan: { id: string; tenantId: string; index: number; total: number; copied: boolean }) => void;
}

type Tally = Record<CopyKind, { source: number; copied: number; alreadyThere: number }>;

const rowsOf = (scan: StoredScan) => ({
  evidence: scan.report.evidence.length,
  findings: scan.report.findings.length,
  'capability scores': scan.report.capabilities.length,
});

/** Every scan summary of the given tenants, oldest first (per tenant in stored order; ties across tenants by tenant). */
async function scansOldestFirst(store: Store, tenants: readonly string[]): Promise<ScanSummary[]> {
  const all: ScanSummary[] = [];
  for (const tenant of tenants) all.push(...(await store.listScans(tenant, { capabilities: 'newest' })).reverse());
  // Array.prototype.sort is stable: equal start times keep their per-tenant stored order.
  return all.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

async function allEpisodes(store: Store, tenants: readonly string[]): Promise<Episode[]> {
  const all: Episode[] = [];
  for (const tenant of tenants) all.push(...(await store.episodes(tenant)).reverse());
  return all;
}

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = m.get(k);
    if (list) list.push(item);
    else m.set(k, [item]);
  }
  return m;
};

/** Copies everything `from` holds into `to` (both already open; both are migrated first). */
export async function copyStore(from: Store, to: Store, opts: CopyOptions = {}): Promise<CopyResult> {
  await from.migrate();
  await to.migrate();
  const tally = Object.fromEntries(COPY_KINDS.map((k) => [k, { source: 0, copied: 0, alreadyThere: 0 }])) as Tally;
  const count = (kind: CopyKind, copied: boolean, n = 1) => {
    tally[kind].source += n;
    if (copied) tally[kind].copied += n;
    else tally[kind].alreadyThere += n;
  };

  // Tokens first (nothing refers to them but sessions, which are not copied), oldest first.
  const haveTokens = new Set((await to.listTokens()).map((t) => t.id));
  for (const token of await from.listTokens()) {
    const copy = !haveTokens.has(token.id);
    if (copy) await to.createToken(token);
    count('tokens', copy);
  }

  const haveAttestations = new Set((await to.allAttestations()).map((a) => a.id));
  for (const attestation of await from.allAttestations()) {
    const copy = !haveAttestations.has(attestation.id);
    if (copy) await to.saveAttestation(attestation);
    count('attestations', copy);
  }

  // Scans in time order, each with the episodes it opened (in their current state) and those episodes' deliveries
  // in one saveScan: deliveries belong to episodes, which must exist first.
  const tenants = await from.tenantIds();
  const targetTenants = await to.tenantIds();
  const summaries = await scansOldestFirst(from, tenants);
  const haveScans = new Set((await scansOldestFirst(to, targetTenants)).map((s) => s.id));
  const episodes = await allEpisodes(from, tenants);
  const haveEpisodes = new Set((await allEpisodes(to, targetTenants)).map((e) => e.id));
  const deliveries = await from.deliveries();
  const targetDeliveries = await to.deliveries();
  const haveDeliveries = new Set(targetDeliveries.map((d) => d.id));
  // The outbox ignores a second row with a queued idempotency key: such a row counts as already there.
  const haveKeys = new Set(targetDeliveries.map((d) => d.idempotencyKey));
  const deliveryIsThere = (d: Delivery) => haveDeliveries.has(d.id) || haveKeys.has(d.idempotencyKey);
  const deliveriesOf = groupBy(deliveries, (d) => d.episodeId);
  const sourceScanIds = new Set(summaries.map((s) => s.id));
  const openedBy = groupBy(
    episodes.filter((e) => sourceScanIds.has(e.openedScanId)),
    (e) => e.openedScanId,
  );
  const written = new Set<string>();
  const ticketOps = await from.ticketOps();
  const targetOps = await to.ticketOps();
  const haveOps = new Set(targetOps.map((o) => o.id));
  const haveOpKeys = new Set(targetOps.map((o) => o.idempotencyKey));
  const opIsThere = (o: TicketOp) => haveOps.has(o.id) || haveOpKeys.has(o.idempotencyKey);
  const opsWith = ticketOpsByScan(summaries, ticketOps, opIsThere, (scanId) =>
    haveScans.has(scanId) ? [] : (openedBy.get(scanId) ?? []).filter((e) => !haveEpisodes.has(e.id)).map((e) => e.id),
  );

  for (const [index, summary] of summaries.entries()) {
    const scan = await from.getScan(summary.id);
    if (!scan) throw new Error(`scan ${summary.id} disappeared from the source while copying`);
    const copy = !haveScans.has(scan.id);
    if (copy) {
      const newEpisodes = (openedBy.get(scan.id) ?? []).filter((e) => !haveEpisodes.has(e.id));
      const newDeliveries = newEpisodes.flatMap((e) => deliveriesOf.get(e.id) ?? []).filter((d) => !deliveryIsThere(d));
      const newOps = opsWith.get(scan.id) ?? [];
      await to.saveScan(scan, { episodes: newEpisodes, deliveries: newDeliveries, ticketOps: newOps });
      for (const e of newEpisodes) written.add(e.id);
      for (const d of newDeliveries) written.add(d.id);
      for (const o of newOps) written.add(o.id);
    }
    count('scans', copy);
    for (const [kind, n] of Object.entries(rowsOf(scan)) as Array<[CopyKind, number]>) count(kind, copy, n);
    opts.onScan?.({ id: scan.id, tenantId: scan.tenantId, index, total: summaries.length, copied: copy });
  }

  // An episode whose opening scan the target already had (or the source no longer has) is upserted on its own.
  for (const episode of episodes) {
    if (written.has(episode.id)) count('episodes', true);
    else if (haveEpisodes.has(episode.id)) count('episodes', false);
    else {
      await to.saveEpisode(episode);
      count('episodes', true);
    }
  }
  // Deliveries can only be queued with a scan; one not written above (its episode was already in the target) and
  // not in the target is left out, and the verification below names it.
  for (const d of deliveries) {
    if (written.has(d.id)) count('deliveries', true);
    else if (deliveryIsThere(d)) count('deliveries', false);
    else tally.deliveries.source += 1;
  }

  // Ticket operations, like deliveries, can only be queued with a scan: one not written above is named below.
  for (const o of ticketOps) {
    if (written.has(o.id)) count('ticket ops', true);
    else if (opIsThere(o)) count('ticket ops', false);
    else tally['ticket ops'].source += 1;
  }
  // A ticket is recorded only with an operation of its episode (completeTicketOp): the target's own copy of one,
  // "completed" again with the state it already has, so only the ticket changes. Without one the ticket is named below.
  for (const ticket of await from.tickets()) {
    if (await to.ticketFor(ticket.episodeId)) {
      count('tickets', false);
      continue;
    }
    const ops = await to.ticketOps({ episodeId: ticket.episodeId });
    const op = ops.find((o) => o.status === 'delivered') ?? ops[0];
    if (op) {
      const { status, attempts, nextAttemptAt, lastError, deliveredAt } = op;
      await to.completeTicketOp(op.id, { status, attempts, nextAttemptAt, lastError, deliveredAt }, ticket);
      count('tickets', true);
    } else tally.tickets.source += 1;
  }

  // Scheduled client reports: the key decides, as in the outbox; a row is copied in its state (delivered stays so).
  const targetReports = await to.reportDeliveries();
  const haveReportKeys = new Set(targetReports.map((d) => d.idempotencyKey));
  for (const d of await from.reportDeliveries()) {
    const copy = !haveReportKeys.has(d.idempotencyKey);
    if (copy) await to.queueReportDeliveries([d]);
    count('report deliveries', copy);
  }

  // Audit entries last, oldest first, so the target's newest-first log reads like the source's.
  const haveAudit = new Set((await to.auditLog()).map((e) => e.id));
  for (const entry of (await from.auditLog()).reverse()) {
    const copy = !haveAudit.has(entry.id);
    if (copy) await to.appendAudit(entry);
    count('audit entries', copy);
  }

  return verify(from, to, tally, tenants);
}

/**
 * Which scan's `saveScan` writes which ticket operation (by scan id). The queue is worked strictly in order, so the
 * copy keeps the source's queue order: each operation goes with the scan that writes its episode — or with a later
 * scan, when an operation ahead of it in the queue has to wait for that later scan's episode. Operations already in
 * the target, or whose episode no copied scan writes, are left out.
 * @param episodesWrittenBy the episodes a scan's saveScan writes (empty for a scan not copied).
 */
function ticketOpsByScan(
  summaries: readonly ScanSummary[],
  ops: readonly TicketOp[],
  isThere: (op: TicketOp) => boolean,
  episodesWrittenBy: (scanId: string) => readonly string[],
): Map<string, TicketOp[]> {
  const position = new Map<string, number>();
  summaries.forEach((s, i) => {
    for (const episodeId of episodesWrittenBy(s.id)) if (!position.has(episodeId)) position.set(episodeId, i);
  });
  const byScan = new Map<string, TicketOp[]>();
  let floor = 0;
  for (const op of ops) {
    const at = position.get(op.payload.episodeId);
    if (at === undefined || isThere(op)) continue;
    floor = Math.max(floor, at);
    const scanId = summaries[floor]!.id;
    const list = byScan.get(scanId);
    if (list) list.push(op);
    else byScan.set(scanId, [op]);
  }
  return byScan;
}

/** Counts, per kind, how many of the source's rows the target holds now. */
async function verify(from: Store, to: Store, tally: Tally, tenants: readonly string[]): Promise<CopyResult> {
  const inTarget = Object.fromEntries(COPY_KINDS.map((k) => [k, 0])) as Record<CopyKind, number>;
  const differences: string[] = [];

  const targetScans = new Map<string, ScanSummary>();
  for (const s of await scansOldestFirst(to, await to.tenantIds())) targetScans.set(s.id, s);
  for (const summary of await scansOldestFirst(from, tenants)) {
    if (!targetScans.has(summary.id)) continue;
    inTarget.scans += 1;
    const [a, b] = [await from.getScan(summary.id), await to.getScan(summary.id)];
    if (!a || !b) continue;
    const [ra, rb] = [rowsOf(a), rowsOf(b)];
    for (const kind of Object.keys(ra) as Array<keyof typeof ra>) {
      inTarget[kind] += Math.min(ra[kind], rb[kind]);
      if (ra[kind] !== rb[kind]) differences.push(`scan ${a.id}: ${ra[kind]} ${kind} in the source, ${rb[kind]} in the target`);
    }
  }
  const targetEpisodes = new Map((await allEpisodes(to, await to.tenantIds())).map((e) => [e.id, e]));
  for (const e of await allEpisodes(from, tenants)) {
    const t = targetEpisodes.get(e.id);
    if (!t) continue;
    inTarget.episodes += 1;
    if (t.state !== e.state || t.acknowledgedAt !== e.acknowledgedAt) {
      differences.push(`episode ${e.id}: ${e.state} in the source, ${t.state} in the target`);
    }
  }
  const targetDeliveries = await to.deliveries();
  const deliveryIds = new Set(targetDeliveries.map((d) => d.id));
  const deliveryKeys = new Set(targetDeliveries.map((d) => d.idempotencyKey));
  inTarget.deliveries = (await from.deliveries()).filter((d) => deliveryIds.has(d.id) || deliveryKeys.has(d.idempotencyKey)).length;
  const targetOps = await to.ticketOps();
  const opIds = new Set(targetOps.map((o) => o.id));
  const opKeys = new Set(targetOps.map((o) => o.idempotencyKey));
  inTarget['ticket ops'] = (await from.ticketOps()).filter((o) => opIds.has(o.id) || opKeys.has(o.idempotencyKey)).length;
  const targetTickets = new Map((await to.tickets()).map((t) => [t.episodeId, t]));
  for (const t of await from.tickets()) {
    const there = targetTickets.get(t.episodeId);
    if (!there) continue;
    inTarget.tickets += 1;
    if (there.ticketId !== t.ticketId || there.state !== t.state) {
      differences.push(`ticket of episode ${t.episodeId}: ${t.ticketId} ${t.state} in the source, ${there.ticketId} ${there.state} in the target`);
    }
  }
  const reportKeys = new Set((await to.reportDeliveries()).map((d) => d.idempotencyKey));
  inTarget['report deliveries'] = (await from.reportDeliveries()).filter((d) => reportKeys.has(d.idempotencyKey)).length;
  const tokenIds = new Set((await to.listTokens()).map((t) => t.id));
  inTarget.tokens = (await from.listTokens()).filter((t) => tokenIds.has(t.id)).length;
  const attestationIds = new Set((await to.allAttestations()).map((a) => a.id));
  inTarget.attestations = (await from.allAttestations()).filter((a) => attestationIds.has(a.id)).length;
  const auditIds = new Set((await to.auditLog()).map((e) => e.id));
  inTarget['audit entries'] = (await from.auditLog()).filter((e) => auditIds.has(e.id)).length;

  const counts = COPY_KINDS.map((kind) => ({ kind, ...tally[kind], inTarget: inTarget[kind] }));
  const mismatches = counts
    .filter((c) => c.inTarget !== c.source)
    .map((c) => `${c.kind}: ${c.source} in the source, ${c.inTarget} of them in the target`);
  return { counts, mismatches: [...mismatches, ...differences] };
}
