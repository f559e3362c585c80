/**
 * The client report's "Essential Eight" section: one line per strategy from the period's last report, in the PDF
 * (read back through pdftotext) and the HTML; absent when that report predates the view.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEssentialEight } from '../../frameworks/essential-eight.js';
import { defaultFrameworks } from '../../frameworks/load.js';
import { attested, e8Bundle, e8Strong } from '../../frameworks/testing/e8-samples.js';
import { DEFAULT_BRAND } from './brand.js';
import { renderClientReportHtml } from './html.js';
import { buildClientReport, parsePeriod } from './model.js';
import { renderClientReportPdf } from './pdf.js';
import { seedHistory, TENANT, type SeededHistory } from './test-support.js';
import { pdfToText } from '../../../test/helpers/pdf.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const view = evaluateEssentialEight(defaultFrameworks().essentialEight!, e8Bundle([...e8Strong(), attested('e8_backups_ml3')]));

let h: SeededHistory;
beforeAll(async () => {
  h = await seedHistory();
});
afterAll(async () => {
  await h.store.close();
});

describe('client report Essential Eight', () => {
  it('is absent while the last report predates the view', async () => {
    const report = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    expect(report.essentialEight).toBeUndefined();
    expect(renderClientReportHtml(report, DEFAULT_BRAND)).not.toContain('<h2>Essential Eight</h2>');
  });

  it('lists each strategy with its maturity level in the PDF and the HTML', async () => {
    const [last] = await h.store.recentScans(TENANT.id, { limit: 1 });
    await h.store.replaceScanScores({ ...last!, report: { ...last!.report, frameworks: { essentialEight: view } } });
    const report = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW });
    expect(report.essentialEight?.strategies.map((s) => `${s.name}: ML${s.level}`)).toEqual(view.strategies.map((s) => `${s.name}: ML${s.level}`));
    expect(view.strategies.find((s) => s.id === 'regular-backups')!.level).toBe(3);

    const dir = mkdtempSync(join(tmpdir(), 'ratchet-client-e8-'));
    const file = join(dir, 'report.pdf');
    writeFileSync(file, await renderClientReportPdf(report, DEFAULT_BRAND));
    const text = pdfToText(file).replace(/\s+/g, ' ');
    expect(text).toContain('Essential Eight');
    expect(text).toContain('Regular backups: ML3');
    expect(text).toContain(`Overall: maturity level ${view.overall}.`);
    const html = renderClientReportHtml(report, DEFAULT_BRAND);
    expect(html).toContain('<h2>Essential Eight</h2>');
    expect(html).toContain('<strong>Regular backups: ML3</strong>');
  });
});
