/** `ratchet history`: a tenant's stored scans and its regression/visibility episodes, newest first. */
import type { Episode } from '../domain/episode.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import type { ReportFormat } from './render.js';

export interface TenantHistory {
  tenant: string;
  scans: ScanSummary[];
  episodes: Episode[];
}

function regressionOf(s: ScanSummary): string {
  return s.regressionConfirmed ? 'confirmed' : s.regressionDetected ? 'detected' : '-';
}

function episodeWhat(e: Episode): string {
  if (e.kind === 'visibility') return `lost: ${e.lostKeys.join(', ')}`;
  // A forecast, never a drop: its gates in plain words, and how it ended.
  if (e.kind === 'at_risk') return `at risk: ${(e.forecast ?? []).map((f) => f.text).join('; ')}${e.closedReason ? ` (${e.closedReason})` : ''}`;
  return e.drops.map((d) => `${d.kind} ${d.id} ${d.from} → ${d.to} (${d.rules.map((r) => r.ruleId).join(', ')})`).join('; ');
}

function historyTable(tenant: string, rows: ScanSummary[]): string {
  const lines = [`History of ${tenant} (newest first)`, '  finished                  status    level  potential  regression  capabilities'];
  for (const s of rows) {
    const caps = s.capabilities.filter((c) => c.score !== null || c.coverage > 0).map((c) => `${c.id} ${c.level}/${c.score === null ? 'n/a' : c.score.toFixed(1)}`).join('  ');
    lines.push(`  ${s.finishedAt.padEnd(25)} ${s.status.padEnd(9)} ${String(s.level).padEnd(6)} ${String(s.potential).padEnd(10)} ${regressionOf(s).padEnd(11)} ${caps}`);
  }
  return `${lines.join('\n')}\n`;
}

function episodesTable(episodes: Episode[]): string {
  if (episodes.length === 0) return '\nNo regression or visibility episodes.\n';
  const lines = ['', 'Episodes (newest first)'];
  for (const e of episodes) {
    lines.push(`  ${e.kind.padEnd(10)} ${e.state.padEnd(9)} opened ${e.openedAt}${e.closedAt ? ` closed ${e.closedAt}` : ''}  level ${e.previousLevel ?? '?'} → ${e.currentLevel ?? '?'}  ${episodeWhat(e)}`);
  }
  return `${lines.join('\n')}\n`;
}

function historyMarkdown({ tenant, scans, episodes }: TenantHistory): string {
  return [
    `# History of ${tenant}`,
    '',
    '| finished | status | level | potential | regression |',
    '|---|---|---|---|---|',
    ...scans.map((s) => `| ${s.finishedAt} | ${s.status} | ${s.level} | ${s.potential} | ${regressionOf(s)} |`),
    '',
    '## Episodes',
    '',
    '| kind | state | opened | confirmed | closed | level | what |',
    '|---|---|---|---|---|---|---|',
    ...episodes.map((e) => `| ${e.kind} | ${e.state} | ${e.openedAt} | ${e.confirmedAt ?? '-'} | ${e.closedAt ?? '-'} | ${e.previousLevel ?? '?'} → ${e.currentLevel ?? '?'} | ${episodeWhat(e)} |`),
    '',
  ].join('\n');
}

/** JSON and Markdown as asked; anything else (table, html) prints the text table. */
export function formatHistory(h: TenantHistory, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify({ schemaVersion: 1, tenant: h.tenant, scans: h.scans, episodes: h.episodes }, null, 2)}\n`;
  if (format === 'markdown') return historyMarkdown(h);
  return historyTable(h.tenant, h.scans) + episodesTable(h.episodes);
}
