/**
 * The text, Markdown, portfolio and HTML reports say what a level rests on: `level.restsOn`, the scope lines under the
 * level (out of scope with the reason, unassessed with the source to connect), the gates passed per level of every
 * capability, and no score for a capability that has none. Reports come from the real engine over the shipped rules;
 * a report stored before scope existed still renders.
 */
import { describe, expect, it } from 'vitest';
import { bundle, NOW, strongM365, strongTenant } from '../../bench/lib/evidence-samples.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { evaluate } from '../engine/evaluate.js';
import { loadRuleSet } from '../config/load-rules.js';
import type { EvidenceBundle } from '../domain/evidence.js';
import { defaultRulesPath } from '../paths.js';
import { formatHtml } from './format-html.js';
import { formatMarkdown, formatPortfolio, formatTable } from './format-text.js';
import { gatesText } from './level-text.js';
import type { Report } from '../domain/report.js';

const { rules } = loadRuleSet(defaultRulesPath());
const REASON = "backup run by the client's own provider";

function reportOf(id: string, name: string, b: EvidenceBundle): Report {
  const e = evaluate(b, rules, { now: NOW });
  return {
    schemaVersion: 1,
    tenant: { id, name },
    scan: { id: `scan-${id}`, startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), status: 'complete', collectors: [] },
    level: e.level,
    capabilities: e.capabilities,
    findings: e.findings,
    evidence: b.evidence,
    regression: { detected: false, confirmed: false, previousLevel: null, drops: [], lostVisibility: [] },
    roadmap: e.roadmap,
  };
}

/** Recovery declared out of scope (with a reason that must be escaped in HTML); m365 and RMM connected. */
const outOfScope = (reason = REASON) =>
  reportOf('tailspin', 'Tailspin Toys', { ...bundle(strongTenant().filter((x) => !x.key.startsWith('backup.')), ['m365', 'rmm']), outOfScope: { recovery: reason } });
/** Only Microsoft 365 connected: recovery and monitoring are unassessed. */
const m365Only = () => reportOf('fabrikam', 'Fabrikam Inc', bundle(strongM365()));
/** A report stored before scope existed: no level.scope / restsOn, no capability scope or gates. */
function legacy(): Report {
  const r = sampleScan({ tenantId: 'old', tenantName: 'Old Co' }).report;
  r.capabilities = r.capabilities.map((c) => ({ id: c.id, name: c.name, level: c.level, potential: c.potential, score: c.score, coverage: c.coverage, assessed: c.assessed }));
  return r;
}
const lineOf = (text: string, start: string) => text.split('\n').find((l) => l.trimStart().startsWith(start)) ?? '';

describe('table (ratchet scan)', () => {
  it('prints restsOn and the out-of-scope reason under the level, and the gates per level of each capability', () => {
    const r = outOfScope();
    const text = formatTable([r]);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  Level 3 Defined'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(`    rests on: ${r.level.restsOn}`);
    expect(r.level.restsOn).toMatch(/out of scope: recovery/);
    expect(lines[at + 2]).toBe(`    Backup & recovery: out of scope — ${REASON}`);
    expect(lines[at + 3]).toBe('    scope complete: every in-scope capability is assessed');
    const recovery = lineOf(text, 'Backup & recovery      level');
    expect(recovery).toContain(`out of scope: ${REASON}`);
    expect(recovery).not.toContain('score');
    const identity = r.capabilities.find((c) => c.id === 'identity')!;
    expect(lineOf(text, 'Identity & access')).toContain(`gates ${gatesText(identity.gates)}`);
    expect(gatesText(identity.gates)).toMatch(/^L2 \d+\/\d+ · L3 \d+\/\d+ · L4 \d+\/\d+( \(\d+ unknown\))? · L5 \d+\/\d+/);
    expect(text).toContain('score = 25 per level above 1 + progress to the next level (level 3 = 50–74.9; 100 at level 5)');
  });

  it('says what to connect for an unassessed capability instead of a score', () => {
    const r = m365Only();
    const text = formatTable([r]);
    expect(text).toContain(`    Backup & recovery: unassessed — connect ${r.level.scope!.connect['recovery']}; until then it counts as level 1`);
    expect(text).toContain('    Monitoring: unassessed — connect an RMM (config section rmm); until then it counts as level 1');
    expect(text).not.toContain('scope complete');
    const monitoring = lineOf(text, 'Monitoring             level');
    expect(monitoring).toContain('not assessed: connect an RMM (config section rmm)');
    expect(monitoring).not.toMatch(/score|n\/a/);
  });

  it('renders a report stored before scope existed as before: no scope lines, its unassessed capabilities hidden', () => {
    const text = formatTable([legacy()]);
    expect(text).toContain('  Level 3 Defined (confirmed)\n  collector m365');
    expect(text).not.toContain('rests on');
    expect(text).not.toContain('Backup & recovery');
    expect(lineOf(text, 'Identity & access')).toMatch(/score +82\.5 +coverage +75 %$/);
  });

  it('with several tenants, marks each portfolio row with its scope', () => {
    const text = formatTable([outOfScope(), m365Only(), legacy()]);
    expect(text).toContain('scope: out of scope: recovery');
    expect(text).toContain('scope: unassessed: recovery, monitoring');
  });
});

describe('markdown', () => {
  it('lists restsOn and the scope under the level and a gates column; unassessed capabilities say what to connect', () => {
    const md = formatMarkdown([outOfScope(), m365Only()]);
    expect(md).toContain(`- Backup & recovery: out of scope — ${REASON}`);
    expect(md).toMatch(/^- rests on: level 3 \(Defined\) is the weakest in-scope capability/m);
    expect(md).toContain('| capability | level | potential | score | coverage | gates passed per level |');
    expect(md).toMatch(/^\| Identity & access \| 3 \| \d \| [\d.]+ \| \d+ % \| L2 \d+\/\d+ · L3 /m);
    expect(md).toContain('| Monitoring | 1 | 5 | *not assessed: connect an RMM (config section rmm)* | — | — |');
  });
});

describe('portfolio (ratchet demo)', () => {
  it('has a scope column and prints restsOn and the scope lines under each tenant', () => {
    const text = formatPortfolio([outOfScope(), m365Only()]);
    const [header, , row1, row2] = text.split('\n');
    expect(header).toMatch(/^tenant +level +scope +identity/);
    expect(row1).toMatch(/^Tailspin Toys +3 Defined( \(potential \d\))? +out of scope: recovery +L3 /);
    expect(row2).toMatch(/^Fabrikam Inc +1 Basic \(potential \d\) +unassessed: recovery, monitoring +L3 /);
    expect(row2).toMatch(/ unassessed +complete/);
    expect(text).toContain(`   · Backup & recovery: out of scope — ${REASON}`);
    expect(text).toContain('   · Monitoring: unassessed — connect an RMM (config section rmm); until then it counts as level 1');
    const md = formatPortfolio([outOfScope()], { markdown: true });
    expect(md).toContain(`- Backup & recovery: out of scope — ${REASON}`);
  });

  it('has no scope column when no report carries a scope', () => {
    expect(formatPortfolio([legacy()]).split('\n')[0]).not.toContain('scope');
  });
});

describe('html', () => {
  it('shows restsOn, the escaped out-of-scope reason, the gates per level and no score for unscored capabilities', () => {
    const html = formatHtml([outOfScope('<b>client</b> runs its own backup'), m365Only()]);
    expect(html).toContain('<li class="out">Backup &amp; recovery: out of scope — &lt;b&gt;client&lt;/b&gt; runs its own backup</li>');
    expect(html).not.toContain('<b>client</b>');
    expect(html).toContain('<p>Rests on: level 3 (Defined) is the weakest in-scope capability');
    expect(html).toContain('<li class="unassessed">Monitoring: unassessed — connect an RMM (config section rmm); until then it counts as level 1</li>');
    expect(html).toContain('<td class="na" colspan="3">not assessed: connect an RMM (config section rmm)</td>');
    expect(html).toMatch(/<th title="Banded by level: 25 per level above 1 plus progress[^"]*level 3 = 50–74\.9[^"]*">score<\/th>/);
    expect(html).toMatch(/<td title="level 2: \d+ of \d+ gates pass; level 3: [^"]*">L2 \d+\/\d+ · L3 \d+\/\d+/);
  });

  it('renders a report stored before scope existed', () => {
    const html = formatHtml([legacy()]);
    expect(html).not.toContain('Rests on');
    expect(html).not.toContain('<ul class="scope">');
    expect(html).toContain('<td>82.5</td><td>75 %</td><td title="">—</td>');
  });
});
