/**
 * The client report's "How you compare" (issue 16 item 3): built from the stored scans of the MSP's other tenants,
 * in the client's words, and read back from the PDF through pdftotext and from the HTML.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleScan } from '../../../test/helpers/sample-scan.js';
import { DEFAULT_BRAND } from './brand.js';
import { renderClientReportHtml } from './html.js';
import { buildClientReport, parsePeriod, type ClientReport } from './model.js';
import { renderClientReportPdf } from './pdf.js';
import { seedHistory, TENANT, type SeededHistory } from './test-support.js';
import { pdfToText } from '../../../test/helpers/pdf.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
/** Five peers with complete Q4 scans (identity scores around contoso's 82.5) and one with only a partial scan. */
const PEERS = [
  { id: 'p1', level: 1, identity: 20 },
  { id: 'p2', level: 2, identity: 40 },
  { id: 'p3', level: 2, identity: 60 },
  { id: 'p4', level: 4, identity: 90 },
  { id: 'p5', level: 5, identity: 95 },
];

let h: SeededHistory;
let report: ClientReport;
beforeAll(async () => {
  h = await seedHistory();
  for (const p of PEERS) {
    const s = sampleScan({ tenantId: p.id, tenantName: p.id, id: `scan-${p.id}`, startedAt: '2026-11-15T02:00:00.000Z', level: p.level, scope: {} });
    s.report.capabilities.find((c) => c.id === 'identity')!.score = p.identity;
    await h.store.saveScan(s);
  }
  await h.store.saveScan(sampleScan({ tenantId: 'p6', tenantName: 'p6', id: 'scan-p6', startedAt: '2026-11-15T02:00:00.000Z', level: 5, status: 'partial', scope: {} }));
  const peers = [TENANT, ...PEERS, { id: 'p6' }, { id: 'never-scanned' }];
  report = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW, peers });
});
afterAll(async () => {
  await h.store.close();
});

describe('client report benchmark', () => {
  it('compares with the complete scans of the MSP\'s other tenants, one sentence per capability', () => {
    expect(report.capabilities.find((c) => c.id === 'identity')!.score).toBe(82.5);
    expect(report.benchmark).not.toBeNull();
    expect(report.benchmark!.peers).toBe(6); // contoso + p1–p5; p6 (partial) and never-scanned are no peers
    // Identity 82.5 among [82.5, 20, 40, 60, 90, 95]: below 3, equal 1 → 3.5 / 6 = 58; all six have 50 users.
    expect(report.benchmark!.lines).toContain('Identity & access: 58th percentile of your peers at this MSP (58th among organisations with 50–249 users).');
    // Level 3 among [3, 1, 2, 2, 4, 5]: below 3, equal 1 → 58 as well.
    expect(report.benchmark!.lines[0]).toBe('Overall maturity level: 58th percentile of your peers at this MSP (58th among organisations with 50–249 users).');
    expect(report.benchmark!.note).toBeNull();
  });

  it('has no benchmark without peers, and a reason instead of a percentile with too few', async () => {
    const without = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    expect(without.benchmark).toBeNull();
    const few = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW, peers: [TENANT, { id: 'p1' }, { id: 'p2' }] });
    expect(few.benchmark).toEqual({ peers: 3, lines: [], note: 'too few organisations to compare (3)' });
  });

  it('the PDF and the HTML say the sentence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-client-benchmark-'));
    const file = join(dir, 'report.pdf');
    writeFileSync(file, await renderClientReportPdf(report, DEFAULT_BRAND));
    const text = pdfToText(file).replace(/\s+/g, ' ');
    expect(text).toContain('How you compare');
    expect(text).toContain('Identity & access: 58th percentile of your peers at this MSP (58th among organisations with 50–249 users).');
    const html = renderClientReportHtml(report, DEFAULT_BRAND);
    expect(html).toContain('Identity &amp; access: 58th percentile of your peers at this MSP');
  });
});
