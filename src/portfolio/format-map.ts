/**
 * `ratchet tenants map` as a text table: one line per tenant (mapped, proposed, ambiguous with its candidates,
 * unmatched), then the clients nobody claims, what `--write` did or would do, and what it left.
 */
import type { MapReport, TenantRow } from './map-plan.js';

const STATUS: Record<TenantRow['status'], string> = { mapped: 'mapped', proposed: 'propose', ambiguous: 'AMBIGUOUS', unmatched: 'no match' };

const scopeText = (s: TenantRow['scope']) => (s === undefined ? '-' : Array.isArray(s) ? s.join(',') : String(s));

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

export function formatMapTable(report: MapReport): string {
  const a = report.account;
  const out: string[] = [];
  out.push(`Account ${a.id} (${a.provider}, ${a.section}): ${report.clients} client${report.clients === 1 ? '' : 's'}, ${report.tenants.length} tenant${report.tenants.length === 1 ? '' : 's'} considered`);
  out.push('');
  const rows: string[][] = [['TENANT', 'STATUS', a.scopeField.toUpperCase(), 'CLIENT', 'CONFIDENCE', 'WHY']];
  for (const t of report.tenants) {
    const status = t.problem ? `${STATUS[t.status]} (check)` : STATUS[t.status];
    rows.push([t.id, status, scopeText(t.scope), t.client ?? '-', t.confidence ?? '-', t.reason]);
    for (const c of t.candidates ?? []) rows.push(['', '  candidate', String(c.scope), c.name, c.confidence, c.reason]);
  }
  out.push(...table(rows));
  if (report.unclaimed.length > 0) {
    out.push('');
    out.push(`Clients no tenant claims (${report.unclaimed.length}): ${report.unclaimed.map((c) => `${c.name} (${String(c.scope)}${c.note ? `, ${c.note}` : ''})`).join('; ')}`);
  }
  if (report.elsewhere.length > 0) {
    out.push(`Not considered (their ${a.section} uses something else): ${report.elsewhere.map((e) => `${e.id} (${e.uses})`).join(', ')}`);
  }
  for (const d of report.domainErrors) out.push(`Domains of ${d.tenant} unknown, matched by name only: ${d.error}`);
  const w = report.write;
  if (w) {
    out.push('');
    const verb = w.done ? 'Wrote' : 'With --write, would write';
    for (const e of w.edits) out.push(`${verb} ${e.section}: ${JSON.stringify(e.value)} for ${e.tenant} in ${e.file}`);
    if (w.edits.length === 0) out.push(`${verb} nothing (only unambiguous proposals at or above ${w.minConfidence} confidence are written).`);
    for (const l of w.left) out.push(`${w.done ? 'Left' : 'Would leave'} ${l.tenant}: ${l.reason}`);
  }
  return `${out.join('\n')}\n`;
}
