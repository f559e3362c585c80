/**
 * Reading the client report's PDFs back the way a person would see them: poppler's pdftotext, pdfinfo and pdftoppm
 * (Debian's poppler-utils, installed on first use where the suite may: test/helpers/debian-package.ts).
 */
import { execFileSync } from 'node:child_process';
import { ensureDebianTool } from './debian-package.js';

const poppler = (tool: 'pdftotext' | 'pdfinfo' | 'pdftoppm'): string =>
  ensureDebianTool({ path: `/usr/bin/${tool}`, pkg: 'poppler-utils', purpose: 'client report tests (reading PDFs back)' });

/** The text of a PDF file, as pdftotext lays it out. */
export function pdfToText(file: string): string {
  return execFileSync(poppler('pdftotext'), [file, '-'], { encoding: 'utf8' });
}

/** pdfinfo's report of a PDF file (pages, producer, …). */
export function pdfInfo(file: string): string {
  return execFileSync(poppler('pdfinfo'), [file], { encoding: 'utf8' });
}

/** Rasterises pages of a PDF with pdftoppm (`args` before the file, e.g. -png -r 40 -f 1 -l 1), to `prefix`-N.png. */
export function pdfToPng(file: string, prefix: string, args: readonly string[]): void {
  execFileSync(poppler('pdftoppm'), [...args, file, prefix]);
}
