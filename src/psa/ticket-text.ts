/**
 * What a PSA ticket says (DESIGN §13): the alert's facts (tenant, level before → now, each dropped rule with observed
 * vs expected, lost evidence, the link to the finding in the web UI and the command that shows it), plus what a
 * technician needs to start work without opening Ratchet: the rule's title, the offending items (capped), and how
 * Ratchet will keep the ticket. Rendered when the operation is queued, from the scan that caused it, so a ticket
 * made hours later (the PSA was down) still shows the evidence of that moment.
 *
 * Everything from a tenant is untrusted (names, device and user names): text is made single-line where it is a
 * line, and HTML is escaped, through the alert renderer's helpers.
 */
import type { CappedList, Evidence } from '../domain/evidence.js';
import type { AlertEvent } from '../domain/episode.js';
import type { Finding } from '../domain/assessment.js';
import type { TicketTextPayload } from '../domain/ticket.js';
import { escapeHtml, oneLine, renderAlert, type AlertView } from '../alerts/render.js';

/** Offending items shown per rule: a ticket is read by a person; the full list is one click away. */
export const MAX_ITEMS_PER_RULE = 10;
/** ConnectWise's summary limit, the smallest of the three. */
export const MAX_SUMMARY = 100;

export function ticketMarker(episodeId: string): string {
  return `[ratchet:${episodeId}]`;
}

/** One line ending with the marker, within MAX_SUMMARY: the tenant name is what gets shortened. */
export function ticketSummary(event: AlertEvent, marker: string): string {
  const name = oneLine(event.tenant.name, 200) || oneLine(event.tenant.id, 100);
  const levels = event.previousLevel !== null && event.currentLevel !== null && event.currentLevel < event.previousLevel ? ` L${event.previousLevel}→L${event.currentLevel}` : '';
  const what = event.kind === 'lost_visibility' || event.kind === 'visibility_restored' ? 'Lost visibility' : 'Maturity regression';
  const tail = `${levels} ${marker}`;
  const room = MAX_SUMMARY - what.length - 2 - tail.length;
  const shown = name.length > room ? `${name.slice(0, Math.max(1, room - 1))}…` : name;
  return `${what}: ${shown}${tail}`;
}

function isCappedList(v: unknown): v is CappedList {
  return !!v && typeof v === 'object' && Array.isArray((v as CappedList).items) && typeof (v as CappedList).total === 'number';
}

/** Offending items of a rule: the capped lists in the evidence it reads, each with its true count. */
export function offendingItems(finding: Finding | undefined, evidence: readonly Evidence[]): Array<{ key: string; field: string; items: string[]; total: number }> {
  if (!finding) return [];
  const byKey = new Map(evidence.map((e) => [e.key, e]));
  const out: Array<{ key: string; field: string; items: string[]; total: number }> = [];
  for (const key of finding.evidence) {
    const value = byKey.get(key)?.value;
    if (!value) continue;
    for (const [field, v] of Object.entries(value)) {
      if (isCappedList(v) && v.total > 0) out.push({ key, field, items: v.items.slice(0, MAX_ITEMS_PER_RULE).map((i) => oneLine(i, 200)), total: v.total });
    }
  }
  return out;
}

interface RuleDetail {
  ruleId: string;
  title: string;
  remediation: string;
  items: ReturnType<typeof offendingItems>;
}

function ruleDetails(view: AlertView, findings: readonly Finding[], evidence: readonly Evidence[]): RuleDetail[] {
  const byRule = new Map(findings.map((f) => [f.ruleId, f]));
  const seen = new Set<string>();
  const out: RuleDetail[] = [];
  for (const d of view.drops) {
    for (const r of d.rules) {
      if (seen.has(r.ruleId)) continue;
      seen.add(r.ruleId);
      const f = byRule.get(r.ruleId);
      out.push({ ruleId: r.ruleId, title: oneLine(f?.title ?? r.ruleId, 200), remediation: oneLine(f?.remediation ?? '', 500), items: offendingItems(f, evidence) });
    }
  }
  return out;
}

function lostReasons(view: AlertView, evidence: readonly Evidence[]): Array<{ key: string; reason: string }> {
  const byKey = new Map(evidence.map((e) => [e.key, e]));
  return view.lostKeys.map((key) => {
    const e = byKey.get(key);
    return { key, reason: oneLine(e ? `${e.status}${e.reason ? `: ${e.reason}` : ''}` : 'not collected', 300) };
  });
}

export interface TicketContext {
  /** Findings and evidence of the scan that caused the operation. */
  findings: readonly Finding[];
  evidence: readonly Evidence[];
  marker: string;
}

const KEEPING =
  'Ratchet keeps this ticket: it adds a note when the evidence changes materially and closes it when the tenant recovers. Keep the marker at the end of the summary: it is how Ratchet finds this ticket again.';

function detailText(view: AlertView, ctx: TicketContext): string[] {
  const lines: string[] = [];
  const rules = ruleDetails(view, ctx.findings, ctx.evidence);
  if (rules.length > 0) {
    lines.push('', 'Rules and offending items:');
    for (const r of rules) {
      lines.push(`  - ${r.ruleId}: ${r.title}`);
      for (const i of r.items) {
        const more = i.total > i.items.length ? ` (showing ${i.items.length} of ${i.total})` : '';
        lines.push(`      ${i.field}${more}: ${i.items.join(', ')}`);
      }
      if (r.remediation) lines.push(`      fix: ${r.remediation}`);
    }
  }
  const lost = lostReasons(view, ctx.evidence);
  if (lost.length > 0) {
    lines.push('', 'Why the evidence is unavailable now:');
    for (const l of lost) lines.push(`  - ${l.key}: ${l.reason}`);
  }
  return lines;
}

function detailHtml(view: AlertView, ctx: TicketContext): string {
  const parts: string[] = [];
  const rules = ruleDetails(view, ctx.findings, ctx.evidence);
  if (rules.length > 0) {
    parts.push('<p><strong>Rules and offending items</strong></p><ul>');
    for (const r of rules) {
      const items = r.items
        .map((i) => `<li>${escapeHtml(i.field)}${i.total > i.items.length ? ` (showing ${i.items.length} of ${i.total})` : ''}: ${escapeHtml(i.items.join(', '))}</li>`)
        .join('');
      const fix = r.remediation ? `<li>fix: ${escapeHtml(r.remediation)}</li>` : '';
      parts.push(`<li><code>${escapeHtml(r.ruleId)}</code>: ${escapeHtml(r.title)}${items || fix ? `<ul>${items}${fix}</ul>` : ''}</li>`);
    }
    parts.push('</ul>');
  }
  const lost = lostReasons(view, ctx.evidence);
  if (lost.length > 0) {
    parts.push('<p><strong>Why the evidence is unavailable now</strong></p><ul>');
    for (const l of lost) parts.push(`<li><code>${escapeHtml(l.key)}</code>: ${escapeHtml(l.reason)}</li>`);
    parts.push('</ul>');
  }
  return parts.join('');
}

function viewHtml(view: AlertView): string {
  const facts = view.facts.map((f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`).join('');
  const drops = view.drops
    .map(
      (d) =>
        `<li>${escapeHtml(d.heading)}<ul>${d.rules
          .map((r) => `<li><code>${escapeHtml(r.ruleId)}</code>: ${escapeHtml(r.from)} → ${escapeHtml(r.to)}; observed: ${escapeHtml(r.observed || '—')}; expected: ${escapeHtml(r.expected || '—')}</li>`)
          .join('')}</ul></li>`,
    )
    .join('');
  const lost = view.lostKeys.map((k) => `<li><code>${escapeHtml(k)}</code></li>`).join('');
  const link = view.link ? `<a href="${escapeHtml(view.link)}">${escapeHtml(view.link)}</a><br>` : '';
  return [
    `<p>${escapeHtml(view.summary)}</p>`,
    `<table>${facts}</table>`,
    drops ? `<p><strong>What changed</strong></p><ul>${drops}</ul>` : '',
    lost ? `<p><strong>Evidence no longer available</strong></p><ul>${lost}</ul>` : '',
    view.omitted ? `<p>${escapeHtml(view.omitted)}</p>` : '',
  ].join('') + `<!--evidence-->` + `<p><strong>See the evidence</strong><br>${link}<code>${escapeHtml(view.command)}</code></p>`;
}

/** The ticket body: the alert, the rule details, and how Ratchet keeps the ticket. */
export function ticketBody(event: AlertEvent, ctx: TicketContext): TicketTextPayload {
  const view = renderAlert(event);
  const text = [view.text.trimEnd(), ...detailText(view, ctx), '', KEEPING, `Marker: ${ctx.marker}`].join('\n');
  const html = viewHtml(view).replace('<!--evidence-->', detailHtml(view, ctx)) + `<p><em>${escapeHtml(KEEPING)}</em><br>Marker: ${escapeHtml(ctx.marker)}</p>`;
  return { text: `${text}\n`, html };
}

/** A note: a heading sentence, then what the scan shows now. */
export function ticketNote(heading: string, event: AlertEvent, ctx: TicketContext): TicketTextPayload {
  const view = renderAlert(event);
  const text = [heading, '', view.text.trimEnd(), ...detailText(view, ctx)].join('\n');
  const html = `<p><strong>${escapeHtml(heading)}</strong></p>` + viewHtml(view).replace('<!--evidence-->', detailHtml(view, ctx));
  return { text: `${text}\n`, html };
}
