/**
 * The client report of the demo's history, end to end: `ratchet demo` stores weeks of real scans of the simulator,
 * `ratchet report` renders Tailspin's PDF, and what poppler reads from it matches `ratchet history` of the same store.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../bench/lib/cli.js';
import type { ScanSummary } from '../../src/domain/scan-summary.js';
import { pdfToText } from '../helpers/pdf.js';

const day = (d: Date) => d.toISOString().slice(0, 10);

describe('ratchet report on the demo history', () => {
  it('renders a PDF whose text matches the stored history', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('ratchet-report-demo-');
    expect((await runCli(['demo', '--data-dir', dataDir], process.env)).code).toBe(0);
    const config = join(dataDir, 'demo', 'ratchet.demo.yaml');
    const now = new Date();
    const from = day(new Date(now.getTime() - 100 * 86_400_000));
    const out = join(dataDir, 'tailspin.pdf');
    const r = await runCli(['--config', config, 'report', '--tenant', 'tailspin', '--from', from, '--to', day(now), '--format', 'pdf', '--out', out], process.env);
    expect(r.code).toBe(0);

    const history = JSON.parse((await runCli(['--config', config, 'history', '--tenant', 'tailspin', '--format', 'json', '--limit', '100'], process.env)).stdout) as { scans: ScanSummary[] };
    const inPeriod = history.scans.filter((s) => s.finishedAt >= from);
    const newest = inPeriod[0]!;
    const oldest = inPeriod[inPeriod.length - 1]!;
    const identity = newest.capabilities.find((c) => c.id === 'identity')!;

    const text = pdfToText(out).replace(/\s+/g, ' ');
    expect(text).toContain('Tailspin Toys');
    expect(text).toContain(`Level ${newest.level} (Quantitatively Managed)`);
    expect(text).toContain(`Level ${oldest.level} at the start of ${from} to ${day(now)}, level ${newest.level} at the end`);
    expect(text).toContain(`over ${inPeriod.length} scans`);
    expect(text).toContain(`Score ${identity.score!.toFixed(1)}`);
    // The 90-day history gate could not be judged at the start of the window and is met at its end.
    expect(text).toMatch(/Identity level 3 held on at least 95 % of weekly scans over 90 days: not yet measurable at the start, now level 3 held on 100 %/);
    expect(text).toContain('Roadmap to level 5');
    expect(text).toContain('Restore test');
    expect(text).toContain('Ratchet');
    expect(text).not.toMatch(/identity-l3-held/);
  });
});
