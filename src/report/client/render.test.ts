/**
 * Renders the client report of a stored history and reads it back the way a person would: the PDF's text through
 * poppler's pdftotext (checked against the stored facts) and page 1 rasterised by pdftoppm (checked not blank).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BRAND, loadBrand, type Brand } from './brand.js';
import { renderClientReportHtml } from './html.js';
import { buildClientReport, parsePeriod, type ClientReport } from './model.js';
import { pdfText, renderClientReportPdf } from './pdf.js';
import { MFA_AFTER, PATCH_AFTER, PATCH_BEFORE, seedHistory, TENANT, TITLES, type SeededHistory } from './test-support.js';
import { pdfInfo, pdfToPng, pdfToText } from '../../../test/helpers/pdf.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');

/** Decodes an 8-bit greyscale/RGB/RGBA PNG (what pdftoppm writes) into rows of pixels. */
function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[data[9]!]!;
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x += 1) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** A tiny solid-colour RGB PNG, to stand in for an MSP's logo. */
function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const t = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(t));
    return Buffer.concat([len, t, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))), chunk('IEND', Buffer.alloc(0))]);
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

describe('client report rendering', () => {
  let h: SeededHistory;
  let report: ClientReport;
  let brand: Brand;
  let dir: string;

  beforeAll(async () => {
    h = await seedHistory();
    report = await buildClientReport(h.store, TENANT, parsePeriod('2026-Q4', NOW), { now: NOW, attestationLabel: (k) => (k === 'restore_test' ? 'Restore test' : 'Disaster recovery plan') });
    dir = mkdtempSync(join(tmpdir(), 'ratchet-client-pdf-'));
    writeFileSync(join(dir, 'logo.png'), solidPng(80, 40, [200, 30, 30]));
    writeFileSync(join(dir, 'brand.yaml'), 'name: Northwind IT Services\nlogo: logo.png\ncolors: { primary: "#5b2c6f", accent: "#117a65" }\nfooter: Northwind IT Services · 020 7946 0000\n');
    brand = loadBrand(join(dir, 'brand.yaml'));
  });
  afterAll(async () => {
    await h.store.close();
  });

  it('the PDF says the stored facts: tenant, level, scores, the improvement, the slip, the roadmap, the brand', async () => {
    const pdf = await renderClientReportPdf(report, brand);
    const file = join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    const text = oneLine(pdfToText(file));
    const endpoint = report.capabilities.find((c) => c.id === 'endpoint')!;
    expect(text).toContain(TENANT.name);
    expect(text).toContain('Northwind IT Services');
    expect(text).toContain(`Level ${report.level.value} (Defined)`);
    expect(text).toContain('Level 2 at the start of Q4 2026, level 3 at the end');
    expect(text).toContain(`Score ${endpoint.score!.toFixed(1)}`);
    expect(text).toContain(`+${(endpoint.score! - endpoint.startScore!).toFixed(1)} since 5 Oct 2026`);
    expect(text).toContain(oneLine(`${TITLES['patch-compliance']}: was ${PATCH_BEFORE}, now ${PATCH_AFTER} (expected >= 90 %)`));
    expect(text).toContain(oneLine(`${TITLES['mfa-enforced']}: was Conditional Access requires MFA for all users, now ${MFA_AFTER}`));
    expect(text).toContain('Roadmap to level 4');
    expect(text).toContain(TITLES['mfa-user-coverage']!);
    expect(text).toContain('Restore test');
    expect(text).toMatch(/Disaster recovery plan \(1 Sep 2025\), expired 1 Sep 2026/);
    expect(text).not.toMatch(/patch-compliance|mfa-enforced/);
    const pages = Number(/Pages:\s+(\d+)/.exec(pdfInfo(file))![1]);
    expect(text).toContain(`Page 1 of ${pages}`);
    expect(text).toContain(`Page ${pages} of ${pages}`);
  });

  it('page 1 is not blank: the band, the logo and the level badge put ink on it', async () => {
    const file = join(dir, 'page.pdf');
    writeFileSync(file, await renderClientReportPdf(report, brand));
    pdfToPng(file, join(dir, 'page'), ['-png', '-r', '40', '-f', '1', '-l', '1']);
    const png = decodePng(readFileSync(join(dir, 'page-1.png')));
    let ink = 0;
    let logoRed = 0;
    for (let i = 0; i < png.pixels.length; i += png.channels) {
      const [r, g, b] = png.channels >= 3 ? [png.pixels[i]!, png.pixels[i + 1]!, png.pixels[i + 2]!] : [png.pixels[i]!, png.pixels[i]!, png.pixels[i]!];
      if (r < 240 || g < 240 || b < 240) ink += 1;
      if (r > 180 && g < 60 && b < 60) logoRed += 1;
    }
    const total = png.width * png.height;
    expect(ink / total).toBeGreaterThan(0.08);
    expect(ink / total).toBeLessThan(0.6);
    expect(logoRed).toBeGreaterThan(10);
  });

  it('the same report renders to the same bytes', async () => {
    const a = await renderClientReportPdf(report, DEFAULT_BRAND);
    const b = await renderClientReportPdf(report, DEFAULT_BRAND);
    expect(a.equals(b)).toBe(true);
    expect(a.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('text the standard fonts cannot draw is spelled out, not garbled', () => {
    expect(pdfText('≥ 90 % → done ✓ 日')).toBe('>= 90 % -> done ok ?');
    expect(pdfText('Café — “quoted” …')).toBe('Café — “quoted” …');
  });

  it('the HTML page carries the same facts, escapes what it shows and embeds the logo', () => {
    const evil = { ...report, tenant: { id: 'x', name: '<script>alert(1)</script> & Co' } };
    const html = renderClientReportHtml(evil, brand);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).toContain(`${TITLES['patch-compliance']}: was ${PATCH_BEFORE}, now ${PATCH_AFTER}`);
    expect(html).toContain(MFA_AFTER);
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('#5b2c6f');
    expect((html.match(/<svg /g) ?? []).length).toBe(1 + report.capabilities.filter((c) => !c.unscored).length);
  });
});

describe('loadBrand', () => {
  it('names the key and the fix for each mistake', () => {
    const d = mkdtempSync(join(tmpdir(), 'ratchet-brand-'));
    const write = (body: string) => {
      writeFileSync(join(d, 'b.yaml'), body);
      return join(d, 'b.yaml');
    };
    expect(loadBrand()).toEqual(DEFAULT_BRAND);
    expect(() => loadBrand(join(d, 'missing.yaml'))).toThrow(/missing\.yaml: invalid config:\n {2}file not found/);
    expect(() => loadBrand(write('colors: { primary: red }\n'))).toThrow(/name: .*\n.*colors\.primary: a colour as #rrggbb/s);
    expect(() => loadBrand(write('name: X\nlogo: nope.png\n'))).toThrow(/logo: .*nope\.png not found/);
    expect(() => loadBrand(write('name: X\nlogo: logo.gif\n'))).toThrow(/logo: logo\.gif is not a \.png, \.jpg or \.jpeg file/);
    expect(() => loadBrand(write('name: X\ncolour: "#000000"\n'))).toThrow(/unknown key\(s\) colour/);
    expect(loadBrand(write('name: X\ncolors: { accent: "#00ff00" }\n'))).toEqual({ name: 'X', logoPath: null, colors: { primary: DEFAULT_BRAND.colors.primary, accent: '#00ff00' }, footer: null });
  });
});
