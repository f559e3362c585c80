/**
 * A self-contained HTML report (`--format html`): one file to attach to a ticket or mail to a client. Everything
 * from a tenant is untrusted text, so every value goes through `esc()`; the page loads nothing external.
 */
import type { Finding } from '../domain/assessment.js';
import { gatesLongText, gatesText, SCORE_MEANING, SCORE_MEANING_SHORT, scopeLines, scopeOf, unscoredText } from './level-text.js';
import type { Report } from '../domain/report.js';

const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.pass{color:#1a7f37}.fail{color:#cf222e}.partial{color:#9a6700}.unknown{color:#6e7781}
.badge{display:inline-block;border-radius:4px;padding:0 .4rem;color:#fff;background:#57606a}.l1{background:#cf222e}.l2{background:#bc4c00}
.l3{background:#9a6700}.l4{background:#1a7f37}.l5{background:#0969da}small{color:#57606a}
.scope{margin:.25rem 0 1rem;padding-left:1.2rem}.scope .out{color:#57606a}.scope .unassessed{color:#9a6700}.scope .complete{color:#1a7f37}
.na{color:#6e7781;font-style:italic}`;

const OUTCOME_ORDER: Record<string, number> = { fail: 0, partial: 1, unknown: 2, pass: 3, not_applicable: 4 };
const sorted = (f: Finding[]) => [...f].sort((a, b) => OUTCOME_ORDER[a.outcome]! - OUTCOME_ORDER[b.outcome]! || a.level - b.level);

function tenantSection(r: Report): string {
  const l = r.level;
  const caps = r.capabilities
    // Every capability of a scoped report says where it stands; an older report's unassessed ones stay hidden.
    .filter((c) => c.scope !== undefined || c.assessed !== false)
    .map((c) => {
      const head = `<tr><td>${esc(c.name)}</td><td>${esc(c.level)}</td><td>${esc(c.potential ?? c.level)}</td>`;
      if (scopeOf(c) !== 'assessed') return `${head}<td class="na" colspan="3">${esc(unscoredText(c, l) ?? 'not assessed')}</td></tr>`;
      const score = c.score === null ? 'n/a' : esc(c.score.toFixed(1));
      return `${head}<td>${score}</td><td>${esc(Math.round(c.coverage * 100))} %</td><td title="${esc(gatesLongText(c.gates) ?? '')}">${esc(gatesText(c.gates) ?? '—')}</td></tr>`;
    })
    .join('');
  const scope = scopeLines(l)
    .map((x) => `<li class="${x.kind === 'out_of_scope' ? 'out' : x.kind === 'unassessed' ? 'unassessed' : 'complete'}">${esc(x.text)}</li>`)
    .join('');
  const restsOn = l.restsOn ? `<p>Rests on: ${esc(l.restsOn)}</p>` : '';
  const findings = sorted(r.findings)
    .filter((f) => f.outcome !== 'not_applicable')
    .map((f) => `<tr><td class="${esc(f.outcome)}">${esc(f.outcome)}</td><td>${esc(f.level)}</td><td><b>${esc(f.title)}</b><br><small>${esc(f.ruleId)}</small></td><td>${esc(f.observed)}</td><td>${esc(f.expected)}</td><td>${f.outcome === 'pass' ? '' : esc(f.remediation)}</td></tr>`)
    .join('');
  const roadmap = r.roadmap.map((i) => `<li><b>${esc(i.ruleId)}</b>: ${esc(i.gap)} — ${esc(i.remediation)}</li>`).join('');
  const regression = r.regression.detected
    ? `<p class="fail">Regression ${r.regression.confirmed ? 'confirmed' : 'detected (awaiting confirmation)'} since level ${esc(r.regression.previousLevel)}: ${r.regression.drops.map((d) => `${esc(d.kind)} ${esc(d.id)} ${esc(d.from)} → ${esc(d.to)}`).join('; ')}</p>`
    : '';
  return `<section><h2>${esc(r.tenant.name)} <small>(${esc(r.tenant.id)})</small></h2>
<p><span class="badge l${esc(l.value)}">Level ${esc(l.value)}</span> ${esc(l.name)} — ${l.confirmed ? 'confirmed' : `unconfirmed, potential ${esc(l.potential)}`} · scan ${esc(r.scan.id)} finished ${esc(r.scan.finishedAt)} · ${esc(r.scan.status)}</p>
${restsOn}${scope ? `<ul class="scope">${scope}</ul>` : ''}
${l.unknown.length ? `<p class="unknown">Cannot be measured (fix access to confirm the level): ${l.unknown.map(esc).join(', ')}</p>` : ''}${regression}
<table><tr><th>capability</th><th>level</th><th>potential</th><th title="${esc(SCORE_MEANING)}">score</th><th>coverage</th><th>gates passed per level</th></tr>${caps}</table>
<p><small>${esc(SCORE_MEANING_SHORT)}; gates = passed/applicable per level.</small></p>
<table><tr><th>outcome</th><th>level</th><th>rule</th><th>observed</th><th>expected</th><th>remediation</th></tr>${findings}</table>
${roadmap ? `<h3>Roadmap to level ${esc(r.roadmap[0]!.toLevel)}</h3><ol>${roadmap}</ol>` : ''}</section>`;
}

export function formatHtml(reports: Report[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ratchet maturity report</title><style>${STYLE}</style></head>
<body><h1>Ratchet maturity report</h1>
${reports.map(tenantSection).join('\n')}
</body></html>
`;
}
