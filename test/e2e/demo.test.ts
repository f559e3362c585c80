/** `ratchet demo` on a fresh data directory: the whole product, twice, with history. */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { parseReports } from './harness.js';

describe('ratchet demo', () => {
  it('scans the sample portfolio end to end and shows history on the second run', async () => {
    const dataDir = tempDir('ratchet-demo-');
    const first = await runCli(['demo', '--data-dir', dataDir], process.env);
    expect(first.code).toBe(0);
    for (const name of ['Northwind Traders', 'Fabrikam Inc', 'Contoso Ltd', 'Tailspin Toys', 'Woodgrove Bank']) expect(first.stdout).toContain(name);
    expect(first.stdout).toMatch(/Woodgrove Bank +1 Basic \(potential 3\)/);
    expect(first.stdout).toMatch(/scan 1 of each/);

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
    }
  });
});
