/**
 * Human-readable renderings of reports: a terminal table and Markdown. Both say what a technician needs first —
 * level and why, what is unknown and how to fix that, then the path to the next level.
 */
import type { Finding } from '../domain/assessment.js';
import { gatesText, SCORE_MEANING_SHORT, scopeLines, scopeOf, unscoredText, type CapabilityLike } from './level-text.js';
import type { Report } from '../domain/report.js';

const OUTCOME_ORDER: Record<string, number> = { fail: 0, partial: 1, unknown: 2, pass: 3, not_applicable: 4 };
const OUTCOME_LABEL: Record<string, string> = { fail: 'FAIL', partial: 'PART', unknown: 'UNKN', pass: 'PASS', not_applicable: 'N/A ' };

function levelLine(r: Report): string {
  const l = r.level;
  const conf = l.confirmed ? 'confirmed' : `unconfirmed — potential ${l.potential}`;
  return `Level ${l.value} ${l.name} (${conf})`;
}

function scoreText(score: number | null | undefined): string {
  return score === null || score === undefined ? '  n/a' : score.toFixed(1).padStart(5);
}

/** What the level rests on and its scope, one line each (nothing for a report stored before scope existed). */
function levelDetail(r: Report): string[] {
  return [...(r.level.restsOn ? [`rests on: ${r.level.restsOn}`] : []), ...scopeLines(r.level).map((l) => l.text)];
}

/** Capabilities shown: every one of a scoped report (each says where it stands); the assessed ones of an older report. */
function shownCapabilities(r: Report): Report['capabilities'] {
  return r.capabilities.filter((c) => c.scope !== undefined || c.assessed !== false);
}

/** The score, or why there is none ("not assessed: connect …", "out of scope: …"). */
function scoreOrWhy(c: CapabilityLike, r: Report): string {
  return scopeOf(c) === 'assessed' ? `score ${scoreText(c.score)}` : (unscoredText(c, r.level) ?? 'not assessed');
}

/** A short scope mark for the portfolio row: "complete", "unassessed: recovery", "out of scope: recovery". */
function scopeCell(r: Report): string {
  const s = r.level.scope;
  if (!s) return '—';
  const parts: string[] = [];
  if (s.unassessed.length > 0) parts.push(`unassessed: ${s.unassessed.join(', ')}`);
  const out = Object.keys(s.outOfScope);
  if (out.length > 0) parts.push(`out of scope: ${out.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'complete';
}

function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => OUTCOME_ORDER[a.outcome]! - OUTCOME_ORDER[b.outcome]! || a.level - b.level || b.weight - a.weight || a.ruleId.localeCompare(b.ruleId),
  );
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatTable(reports: Report[]): string {
  const out: string[] = [];
  if (reports.length > 1) {
    out.push('Portfolio');
    out.push(`  ${pad('tenant', 22)} ${pad('level', 34)} ${pad('scan', 9)} capabilities`);
    for (const r of reports) {
      const caps = r.capabilities
        .filter((c) => c.assessed !== false)
        .map((c) => `${c.id} ${c.level}/${scoreText(c.score).trim()}`)
        .join('  ');
      out.push(`  ${pad(r.tenant.id, 22)} ${pad(levelLine(r), 34)} ${pad(r.scan.status, 9)} ${caps}`);
      if (r.level.scope) out.push(`  ${pad('', 22)} scope: ${scopeCell(r)}`);
    }
    out.push('');
  }
  for (const r of reports) {
    out.push(`${r.tenant.name} (${r.tenant.id}) — scan ${r.scan.finishedAt}, ${r.scan.status}`);
    out.push(`  ${levelLine(r)}`);
    for (const line of levelDetail(r)) out.push(`    ${line}`);
    for (const c of r.scan.collectors) {
      out.push(`  collector ${pad(c.id, 10)} ${pad(c.status, 8)} ${String(c.requests).padStart(5)} requests ${String(c.durationMs).padStart(7)} ms${c.error ? `  ${c.error}` : ''}`);
    }
    out.push('  Capabilities');
    const caps = shownCapabilities(r);
    for (const c of caps) {
      const pot = c.potential !== undefined && c.potential !== c.level ? ` (potential ${c.potential})` : '';
      const head = `    ${pad(c.name, 22)} level ${c.level}${pad(pot, 14)} `;
      if (scopeOf(c) !== 'assessed') {
        out.push(`${head}${scoreOrWhy(c, r)}`);
        continue;
      }
      const gates = gatesText(c.gates);
      out.push(`${head}${scoreOrWhy(c, r)}  coverage ${String(Math.round(c.coverage * 100)).padStart(3)} %${gates ? `  gates ${gates}` : ''}`);
    }
    if (caps.some((c) => scopeOf(c) === 'assessed')) out.push(`    (${SCORE_MEANING_SHORT}; gates = passed/applicable per level)`);
    out.push('  Findings');
    for (const f of sortFindings(r.findings)) {
      if (f.outcome === 'not_applicable') continue;
      out.push(`    ${OUTCOME_LABEL[f.outcome]} L${f.level} ${pad(f.ruleId, 30)} ${f.observed}${f.outcome === 'pass' || f.outcome === 'unknown' ? '' : ` — expected ${f.expected}`}`);
    }
    if (r.level.unknown.length > 0) out.push(`  Unknown (fix access to confirm the level): ${r.level.unknown.join(', ')}`);
    if (r.roadmap.length > 0) {
      out.push(`  Roadmap to level ${r.roadmap[0]!.toLevel}`);
      r.roadmap.slice(0, 5).forEach((item, i) => out.push(`    ${i + 1}. ${item.ruleId}: ${item.gap}\n       → ${item.remediation}`));
    }
    const reg = r.regression;
    if (reg.detected) {
      out.push(`  Regression ${reg.confirmed ? 'CONFIRMED' : 'detected (awaiting confirmation)'} since level ${reg.previousLevel}:`);
      for (const d of reg.drops) out.push(`    ${d.kind} ${d.id}: ${d.from} → ${d.to} (${d.rules.map((x) => x.ruleId).join(', ')})`);
    }
    if (reg.lostVisibility.length > 0) out.push(`  Lost visibility (not a regression): ${reg.lostVisibility.join(', ')}`);
    out.push('');
  }
  return out.join('\n');
}

const mdEscape = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function formatMarkdown(reports: Report[]): string {
  const out: string[] = ['# Ratchet maturity report', ''];
  for (const r of reports) {
    out.push(`## ${mdEscape(r.tenant.name)} (\`${r.tenant.id}\`)`, '');
    out.push(`**${levelLine(r)}** · scan \`${r.scan.id}\` finished ${r.scan.finishedAt} · status **${r.scan.status}**`, '');
    const detail = levelDetail(r);
    if (detail.length > 0) out.push(...detail.map((line) => `- ${mdEscape(line)}`), '');
    out.push('| capability | level | potential | score | coverage | gates passed per level |', '|---|---|---|---|---|---|');
    for (const c of shownCapabilities(r)) {
      const assessed = scopeOf(c) === 'assessed';
      const score = assessed ? scoreText(c.score).trim() : `*${mdEscape(unscoredText(c, r.level) ?? 'not assessed')}*`;
      const coverage = assessed ? `${Math.round(c.coverage * 100)} %` : '—';
      out.push(`| ${c.name} | ${c.level} | ${c.potential ?? c.level} | ${score} | ${coverage} | ${assessed ? (gatesText(c.gates) ?? '—') : '—'} |`);
    }
    out.push('', `<sub>${mdEscape(SCORE_MEANING_SHORT)}; gates = passed/applicable per level.</sub>`);
    out.push('', '| outcome | level | rule | observed | expected |', '|---|---|---|---|---|');
    for (const f of sortFindings(r.findings)) {
      if (f.outcome === 'not_applicable') continue;
      out.push(`| ${f.outcome} | ${f.level} | ${f.ruleId} | ${mdEscape(f.observed)} | ${mdEscape(f.expected)} |`);
    }
    if (r.level.unknown.length > 0) out.push('', `Unknown gates (fix access to confirm the level): ${r.level.unknown.map((u) => `\`${u}\``).join(', ')}`);
    if (r.roadmap.length > 0) {
      out.push('', `### Roadmap to level ${r.roadmap[0]!.toLevel}`, '');
      r.roadmap.forEach((item, i) => out.push(`${i + 1}. **${item.ruleId}** — ${mdEscape(item.gap)}. ${mdEscape(item.remediation)}`));
    }
    if (r.regression.detected) {
      out.push('', `### Regression ${r.regression.confirmed ? '(confirmed)' : '(awaiting confirmation)'}`, '');
      for (const d of r.regression.drops) out.push(`- ${d.kind} \`${d.id}\`: ${d.from} → ${d.to}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * The portfolio view: one row per tenant (level, confirmed or potential, scores per capability, scan status) and,
 * under it, the top of each tenant's roadmap and what is unknown — what a technician scans first in the morning.
 */
export function formatPortfolio(reports: Report[], opts: { markdown?: boolean } = {}): string {
  // Assessed capabilities, and in-scope ones with no source (shown as "unassessed", never as a score).
  const inPortfolio = (c: Report['capabilities'][number]) => c.assessed !== false || c.scope === 'unassessed';
  const capIds = [...new Set(reports.flatMap((r) => r.capabilities.filter(inPortfolio).map((c) => c.id)))];
  const levelCell = (r: Report) => `${r.level.value} ${r.level.name}${r.level.confirmed ? '' : ` (potential ${r.level.potential})`}`;
  const capCell = (r: Report, id: string) => {
    const c = r.capabilities.find((x) => x.id === id);
    if (!c) return '—';
    const scope = scopeOf(c);
    if (scope === 'unassessed') return 'unassessed';
    if (scope === 'out_of_scope') return 'out of scope';
    return scope === 'assessed' ? `L${c.level} ${scoreText(c.score).trim()}` : '—';
  };
  const regressionCell = (r: Report) => (r.regression.confirmed ? 'CONFIRMED' : r.regression.detected ? 'detected' : '-');
  const scoped = reports.some((r) => r.level.scope !== undefined);
  const header = ['tenant', 'level', ...(scoped ? ['scope'] : []), ...capIds, 'scan', 'regression'];
  const rows = reports.map((r) => [r.tenant.name, levelCell(r), ...(scoped ? [scopeCell(r)] : []), ...capIds.map((id) => capCell(r, id)), r.scan.status, regressionCell(r)]);
  const out: string[] = [];
  if (opts.markdown) {
    out.push('# Ratchet portfolio', '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const row of rows) out.push(`| ${row.map(mdEscape).join(' | ')} |`);
    out.push('');
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd();
    out.push(line(header), widths.map((w) => '─'.repeat(w)).join('  '));
    for (const row of rows) out.push(line(row));
    out.push('');
  }
  for (const r of reports) {
    const items = r.roadmap.slice(0, 3);
    const title = `${r.tenant.name} — ${r.roadmap.length ? `to level ${r.roadmap[0]!.toLevel}` : 'top level reached'}`;
    out.push(opts.markdown ? `### ${mdEscape(title)}` : title);
    for (const line of levelDetail(r)) out.push(`${opts.markdown ? '-' : '   ·'} ${opts.markdown ? mdEscape(line) : line}`);
    for (const item of items) out.push(`${opts.markdown ? '-' : '   •'} ${item.ruleId}: ${opts.markdown ? mdEscape(item.gap) : item.gap}`);
    if (r.roadmap.length > items.length) out.push(`${opts.markdown ? '-' : '   •'} … ${r.roadmap.length - items.length} more`);
    if (!r.level.confirmed) {
      const u = r.level.unknown.slice(0, 4).join(', ');
      out.push(`${opts.markdown ? '-' : '   ?'} unconfirmed — cannot measure: ${u}${r.level.unknown.length > 4 ? ', …' : ''}`);
    }
    const failed = r.scan.collectors.filter((c) => c.error);
    for (const c of failed) out.push(`${opts.markdown ? '-' : '   !'} collector ${c.id}: ${c.error}`);
    if (opts.markdown) out.push('');
  }
  return `${out.join('\n')}\n`;
}
