/**
 * The client report as a PDF, rendered in-process with pdfkit (issue 14): no browser and no font download — the
 * standard Helvetica fonts, charts drawn as vector paths. The output is byte-for-byte reproducible for a given
 * report (the PDF's creation date and file id come from the report's generation time), so tests can compare runs.
 */
import PDFDocument from 'pdfkit';
import type { Brand } from './brand.js';
import { dayText, deltaText, levelSentence, periodEndText, plot, scoreText, steps, timeAxis, type Box, type XY } from './geometry.js';
import { BENCHMARK_MEANING, E8_MEANING, type ClientReport } from './model.js';

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const INK = '#222222';
const MUTED = '#666666';
const SLIP = '#b03a2e';

/** Characters of cp1252 above Latin-1 that the standard fonts can show; anything else is spelled out or dropped. */
const CP1252 = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const SPELLED: Record<string, string> = { '≥': '>=', '≤': '<=', '→': '->', '←': '<-', '≠': '!=', '✓': 'ok', '−': '-', '\u00a0': ' ' };

/** Text the standard (WinAnsi) fonts can draw: "≥ 90 %" becomes ">= 90 %" rather than garbage glyphs. */
export function pdfText(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (SPELLED[ch] !== undefined) out += SPELLED[ch];
    else if (code < 256 || CP1252.has(ch)) out += ch;
    else out += '?';
  }
  return out;
}

type Doc = PDFKit.PDFDocument;

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** Starts a new page when fewer than `needed` points are left. */
function ensureSpace(doc: Doc, needed: number): void {
  if (doc.y + needed > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

function heading(doc: Doc, brand: Brand, text: string): void {
  ensureSpace(doc, 60);
  doc.moveDown(0.6).font('Helvetica-Bold').fontSize(15).fillColor(brand.colors.primary).text(pdfText(text), doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  const y = doc.y + 2;
  doc.moveTo(doc.page.margins.left, y).lineTo(doc.page.margins.left + contentWidth(doc), y).lineWidth(0.8).strokeColor(brand.colors.primary).stroke();
  doc.moveDown(0.5).font('Helvetica').fontSize(10.5).fillColor(INK);
}

function para(doc: Doc, text: string, opts: { color?: string; bold?: boolean; size?: number; indent?: number } = {}): void {
  ensureSpace(doc, 30);
  doc
    .font(opts.bold ? 'Helvetica-Bold' : 'Helvetica')
    .fontSize(opts.size ?? 10.5)
    .fillColor(opts.color ?? INK)
    .text(pdfText(text), doc.page.margins.left + (opts.indent ?? 0), doc.y, { width: contentWidth(doc) - (opts.indent ?? 0) });
}

function bullet(doc: Doc, text: string, color: string, sub?: string): void {
  ensureSpace(doc, sub ? 44 : 28);
  const x = doc.page.margins.left;
  const y = doc.y;
  doc.circle(x + 4, y + 5, 2.6).fillColor(color).fill();
  doc.font('Helvetica').fontSize(10.5).fillColor(INK).text(pdfText(text), x + 14, y, { width: contentWidth(doc) - 14 });
  if (sub) doc.font('Helvetica-Oblique').fontSize(9.5).fillColor(MUTED).text(pdfText(sub), x + 14, doc.y + 1, { width: contentWidth(doc) - 14 });
  doc.moveDown(0.35);
}

function polyline(doc: Doc, pts: readonly XY[], color: string, width: number): void {
  if (pts.length === 0) return;
  if (pts.length === 1) {
    doc.circle(pts[0]!.x, pts[0]!.y, 2.2).fillColor(color).fill();
    return;
  }
  doc.moveTo(pts[0]!.x, pts[0]!.y);
  for (const p of pts.slice(1)) doc.lineTo(p.x, p.y);
  doc.lineWidth(width).strokeColor(color).lineJoin('round').stroke();
}

/** One trend chart: a framed box with grid lines at the level bands, the series, and the period's dates under it. */
function trendChart(doc: Doc, report: ClientReport, box: Box, series: XY[], brand: Brand, grid: Array<{ value: number; label: string }>, min: number, max: number): void {
  doc.rect(box.x, box.y, box.width, box.height).lineWidth(0.5).strokeColor('#cccccc').stroke();
  doc.font('Helvetica').fontSize(7).fillColor(MUTED);
  for (const g of grid) {
    const y = box.y + box.height - ((g.value - min) / (max - min)) * box.height;
    doc.moveTo(box.x, y).lineTo(box.x + box.width, y).lineWidth(0.3).strokeColor('#e2e2e2').stroke();
    doc.fillColor(MUTED).text(g.label, box.x - 26, y - 3, { width: 22, align: 'right', lineBreak: false });
  }
  polyline(doc, series, brand.colors.primary, 1.6);
  const last = series[series.length - 1];
  if (last) doc.circle(last.x, last.y, 2.4).fillColor(brand.colors.accent).fill();
  doc.fillColor(MUTED).fontSize(7);
  doc.text(dayText(report.period.from), box.x, box.y + box.height + 3, { width: 80, lineBreak: false });
  const { t1 } = timeAxis(report);
  doc.text(dayText(new Date(t1).toISOString()), box.x + box.width - 80, box.y + box.height + 3, { width: 80, align: 'right', lineBreak: false });
}

function cover(doc: Doc, r: ClientReport, brand: Brand): void {
  const w = doc.page.width;
  doc.rect(0, 0, w, 150).fillColor(brand.colors.primary).fill();
  let textX = MARGIN;
  if (brand.logoPath) {
    // A white plate behind the logo keeps a dark or transparent logo readable on the coloured band.
    doc.roundedRect(MARGIN - 6, 34, 132, 72, 6).fillColor('#ffffff').fill();
    doc.image(brand.logoPath, MARGIN, 40, { fit: [120, 60], align: 'center', valign: 'center' });
    textX = MARGIN + 145;
  }
  doc.font('Helvetica-Bold').fontSize(22).fillColor('#ffffff').text(pdfText(brand.name), textX, 52, { width: w - textX - MARGIN });
  doc.font('Helvetica').fontSize(11).fillColor('#ffffff').text('IT maturity report', textX, doc.y + 4, { width: w - textX - MARGIN });

  doc.font('Helvetica-Bold').fontSize(26).fillColor(INK).text(pdfText(r.tenant.name), MARGIN, 200, { width: w - 2 * MARGIN });
  doc.font('Helvetica').fontSize(13).fillColor(MUTED).text(pdfText(`${r.period.label}: ${dayText(r.period.from)} – ${periodEndText(r)}`), { width: w - 2 * MARGIN });
  doc.moveDown(2);

  // The level badge: the one number the reader takes away.
  const y = doc.y;
  doc.roundedRect(MARGIN, y, 120, 92, 10).fillColor(brand.colors.primary).fill();
  doc.font('Helvetica').fontSize(11).fillColor('#ffffff').text('Maturity level', MARGIN, y + 12, { width: 120, align: 'center' });
  doc.font('Helvetica-Bold').fontSize(40).fillColor('#ffffff').text(String(r.level.value), MARGIN, y + 28, { width: 120, align: 'center' });
  doc.font('Helvetica-Bold').fontSize(16).fillColor(INK).text(pdfText(r.level.name), MARGIN + 140, y + 10, { width: w - 2 * MARGIN - 140 });
  doc.font('Helvetica').fontSize(10.5).fillColor(INK).text(pdfText(levelSentence(r)), MARGIN + 140, doc.y + 4, { width: w - 2 * MARGIN - 140 });
  if (r.level.restsOn) doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(pdfText(`Rests on: ${r.level.restsOn}`), MARGIN + 140, doc.y + 4, { width: w - 2 * MARGIN - 140 });
  doc.y = Math.max(doc.y, y + 100);
  doc.x = MARGIN;

  // At a glance: the counts the rest of the report details.
  doc.moveDown(1);
  const glance = [
    `${r.improved.length} improvement${r.improved.length === 1 ? '' : 's'} and ${r.slipped.length} slip${r.slipped.length === 1 ? '' : 's'} in the period`,
    r.roadmap.toLevel === null ? 'Top level reached: the roadmap keeps it there' : `Next: level ${r.roadmap.toLevel}, ${r.roadmap.effort}`,
    `${r.attestations.filter((a) => a.status === 'valid').length} attestation${r.attestations.filter((a) => a.status === 'valid').length === 1 ? '' : 's'} on file and valid`,
  ];
  for (const g of glance) bullet(doc, g, brand.colors.accent);

  // The level over the period, as a step chart.
  doc.moveDown(0.8);
  para(doc, 'Level over the period', { bold: true, color: brand.colors.primary });
  const box: Box = { x: MARGIN + 30, y: doc.y + 6, width: w - 2 * MARGIN - 30, height: 110 };
  const axis = timeAxis(r);
  trendChart(doc, r, box, steps(plot(r.level.points, box, axis, 1, 5)), brand, [1, 2, 3, 4, 5].map((l) => ({ value: l, label: `L${l}` })), 1, 5);
  doc.y = box.y + box.height + 18;
  doc.x = MARGIN;
  para(doc, `Generated ${dayText(r.generatedAt)} from ${r.scans.count} scan${r.scans.count === 1 ? '' : 's'} between ${dayText(r.scans.first)} and ${dayText(r.scans.last)}.`, { color: MUTED, size: 9 });
}

function capabilitiesSection(doc: Doc, r: ClientReport, brand: Brand): void {
  heading(doc, brand, 'Capabilities and their trend');
  para(doc, 'Each capability is scored 0–100 from the evidence: 25 per level above 1 plus progress to the next level (level 3 = 50–74.9). The chart shows the score at every scan in the period.', { color: MUTED, size: 9 });
  doc.moveDown(0.6);
  const axis = timeAxis(r);
  for (const c of r.capabilities) {
    if (c.unscored) {
      ensureSpace(doc, 30);
      para(doc, `${c.name}: ${c.unscored}`, { color: MUTED });
      doc.moveDown(0.4);
      continue;
    }
    ensureSpace(doc, 110);
    const top = doc.y;
    const change = deltaText(c.startScore, c.score);
    doc.font('Helvetica-Bold').fontSize(11.5).fillColor(INK).text(pdfText(c.name), MARGIN, top, { width: 170 });
    doc.font('Helvetica').fontSize(10).fillColor(INK).text(`Level ${c.level}`, MARGIN, doc.y + 2, { width: 170 });
    doc.text(`Score ${scoreText(c.score)}`, { width: 170 });
    if (change) doc.fillColor(change.startsWith('+') ? brand.colors.accent : change.startsWith('-') ? SLIP : MUTED).text(`${change} since ${dayText(r.scans.first)}`, { width: 170 });
    const box: Box = { x: MARGIN + 205, y: top + 4, width: contentWidth(doc) - 205, height: 70 };
    trendChart(doc, r, box, plot(c.points, box, axis, 0, 100), brand, [0, 25, 50, 75, 100].map((v) => ({ value: v, label: String(v) })), 0, 100);
    doc.y = Math.max(doc.y, box.y + box.height + 20);
    doc.x = MARGIN;
  }
}

/** How the client compares with the MSP's other clients (issue 16): one sentence per capability, nothing when not compared. */
function benchmarkSection(doc: Doc, r: ClientReport, brand: Brand): void {
  const b = r.benchmark;
  if (!b) return;
  heading(doc, brand, 'How you compare');
  para(doc, BENCHMARK_MEANING(b.peers), { color: MUTED, size: 9 });
  doc.moveDown(0.3);
  for (const line of b.lines) bullet(doc, line, brand.colors.primary);
  if (b.note) para(doc, `Not compared: ${b.note}.`, { color: MUTED });
}

/** ASD Essential Eight from the same evidence (DESIGN §14): one line per strategy, nothing for an older report. */
function essentialEightSection(doc: Doc, r: ClientReport, brand: Brand): void {
  const e8 = r.essentialEight;
  if (!e8) return;
  heading(doc, brand, 'Essential Eight');
  para(doc, `${E8_MEANING} Overall: maturity level ${e8.overall}.`, { color: MUTED, size: 9 });
  doc.moveDown(0.3);
  for (const x of e8.strategies) bullet(doc, `${x.name}: ML${x.level}`, brand.colors.primary, x.restsOn);
}

function changesSection(doc: Doc, r: ClientReport, brand: Brand): void {
  heading(doc, brand, 'What improved');
  if (r.improved.length === 0) para(doc, 'No check moved up between the first and the last scan of the period.', { color: MUTED });
  for (const c of r.improved) bullet(doc, `${c.capability} — ${c.text}`, brand.colors.accent);

  heading(doc, brand, 'What slipped, and why');
  if (r.slipped.length === 0 && r.episodes.length === 0) para(doc, 'Nothing slipped in the period.', { color: MUTED });
  for (const c of r.slipped) bullet(doc, `${c.capability} — ${c.text}`, SLIP, c.remedy ? `What fixes it: ${c.remedy}` : undefined);
  if (r.episodes.length > 0) {
    doc.moveDown(0.3);
    para(doc, 'Drops noticed during the period', { bold: true });
    doc.moveDown(0.2);
    for (const e of r.episodes) bullet(doc, e.text, e.kind === 'regression' ? SLIP : MUTED);
  }
}

function roadmapSection(doc: Doc, r: ClientReport, brand: Brand): void {
  heading(doc, brand, r.roadmap.toLevel === null ? 'Roadmap' : `Roadmap to level ${r.roadmap.toLevel}`);
  if (r.roadmap.steps.length === 0) {
    para(doc, 'The highest level is reached: keep the evidence current so it holds.', { color: MUTED });
    return;
  }
  para(doc, `Effort: ${r.roadmap.effort}.`, { bold: true });
  doc.moveDown(0.4);
  r.roadmap.steps.forEach((s, i) => bullet(doc, `${i + 1}. ${s.capability} — ${s.title}: ${s.gap}`, brand.colors.primary, s.remediation));
}

function attestationsSection(doc: Doc, r: ClientReport, brand: Brand): void {
  heading(doc, brand, 'Attestations on file');
  if (r.attestations.length === 0) {
    para(doc, 'No attestations on file. Restore tests, a DR plan and strategy reviews are recorded by your IT provider and count towards levels 3 and 5.', { color: MUTED });
    return;
  }
  for (const a of r.attestations) {
    const state = a.status === 'valid' ? `valid until ${dayText(a.expiresAt)}` : `expired ${dayText(a.expiresAt)} — due for renewal`;
    bullet(doc, `${a.label} (${dayText(a.attestedAt)}), ${state}`, a.status === 'valid' ? brand.colors.accent : SLIP, a.note || undefined);
  }
}

/** Footer on every page: the brand's footer (or name), the tenant and "Page n of m". */
function footers(doc: Doc, r: ClientReport, brand: Brand): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit start a new page; lift the margin while the footer is drawn.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - 34;
    doc.font('Helvetica').fontSize(8).fillColor(MUTED);
    doc.text(pdfText(`${brand.footer ?? brand.name} · ${r.tenant.name} · ${r.period.label}`), MARGIN, y, { width: contentWidth(doc) - 80, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, doc.page.width - MARGIN - 80, y, { width: 80, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

export function renderClientReportPdf(report: ClientReport, brand: Brand): Promise<Buffer> {
  const created = new Date(report.generatedAt);
  const doc = new PDFDocument({
    size: [A4.width, A4.height],
    margins: { top: MARGIN, bottom: 60, left: MARGIN, right: MARGIN },
    bufferPages: true,
    // Fixed metadata so the same report renders to the same bytes (pdfkit derives the file id from it).
    info: { Title: pdfText(`IT maturity report — ${report.tenant.name} — ${report.period.label}`), Author: pdfText(brand.name), Creator: 'Ratchet', Producer: 'Ratchet (pdfkit)', CreationDate: created, ModDate: created },
    compress: true,
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  cover(doc, report, brand);
  doc.addPage();
  capabilitiesSection(doc, report, brand);
  benchmarkSection(doc, report, brand);
  essentialEightSection(doc, report, brand);
  changesSection(doc, report, brand);
  roadmapSection(doc, report, brand);
  attestationsSection(doc, report, brand);
  footers(doc, report, brand);
  doc.end();
  return done;
}
