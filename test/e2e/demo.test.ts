/** `ratchet demo` on a fresh data directory: the whole product, twice, with history. */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../bench/lib/cli.js';
import { parseReports } from './harness.js';

describe('ratchet demo', () => {
  it('scans the sample portfolio end to end and shows history on the second run', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('ratchet-demo-');
    const first = await runCli(['demo', '--data-dir', dataDir], process.env);
    expect(first.code).toBe(0);
    for (const name of ['Northwind Traders', 'Fabrikam Inc', 'Contoso Ltd', 'Tailspin Toys', 'Woodgrove Bank']) expect(first.stdout).toContain(name);
    expect(first.stdout).toMatch(/Woodgrove Bank +1 Basic \(potential 3\)/);
    // Levels 4 and 5 read history: the demo simulates 98 days of weekly scans for Tailspin (4 weeks for the others).
    expect(first.stdout).toMatch(/Tailspin Toys +4 Quantitatively Managed \(potential 5\)/);
    expect(first.stdout).toMatch(/insufficient history: 98 of 180 days/);
    expect(first.stdout).toMatch(/5 scans of history each/);

    const second = await runCli(['demo', '--data-dir', dataDir, '--format', 'json'], process.env);
    expect(second.code).toBe(0);
    const reports = parseReports(second.stdout);
    expect(reports.map((r) => [r.tenant.id, r.level.value])).toEqual([
      ['northwind', 1],
      ['fabrikam', 2],
      ['contoso', 3],
      ['tailspin', 4],
      ['woodgrove', 1],
    ]);
    for (const r of reports) {
      expect(r.regression.previousLevel).toBe(r.level.value);
      expect(r.regression.detected).toBe(false);
      expect(r.level.scope).toMatchObject({ complete: true, unassessed: [], outOfScope: {} });
    }
    // The reasons are readable: what the level rests on, and the gates of the next level.
    const tailspin = reports.find((r) => r.tenant.id === 'tailspin')!;
    expect(tailspin.level.restsOn).toMatch(/^level 4 \(Quantitatively Managed\) is the weakest in-scope capability/);
    expect(tailspin.findings.find((f) => f.ruleId === 'identity-l3-held')).toMatchObject({ outcome: 'pass' });
    expect(tailspin.findings.find((f) => f.ruleId === 'identity-l4-held')!.reason).toMatch(/insufficient history/);
  });

  it('with 190 days of simulated history the level-4 tenant reaches level 5, and no one else moves', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('ratchet-demo-');
    const run = await runCli(['demo', '--data-dir', dataDir, '--history-days', '190', '--format', 'json'], process.env);
    expect(run.code).toBe(0);
    const reports = parseReports(run.stdout);
    expect(reports.map((r) => [r.tenant.id, r.level.value, r.level.confirmed])).toEqual([
      ['northwind', 1, true],
      ['fabrikam', 2, true],
      ['contoso', 3, true],
      ['tailspin', 5, true],
      ['woodgrove', 1, false],
    ]);
    const tailspin = reports.find((r) => r.tenant.id === 'tailspin')!;
    expect(tailspin.findings.find((f) => f.ruleId === 'identity-l4-held')).toMatchObject({ outcome: 'pass' });
    expect(tailspin.capabilities.every((c) => c.scope !== 'assessed' || c.score === 100)).toBe(true);
  });
});
