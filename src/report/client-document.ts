/**
 * A client report as a downloadable or mailable document (r1's src/report/client: the model, the PDF or HTML, the
 * brand) with its file name and content type. Used by *Download report* (src/web) and scheduled delivery
 * (src/report-delivery).
 */
import type { Store } from '../store/store.js';
import { loadBrand, type Brand } from './client/brand.js';
import { renderClientReportHtml } from './client/html.js';
import { buildClientReport, type Period } from './client/model.js';
import { renderClientReportPdf } from './client/pdf.js';

export interface ReportDocument {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface RenderDeps {
  store: Store;
  /** The configured tenants (for their names). */
  tenants: readonly { id: string; name: string }[];
  now?: () => Date;
}

/** Lower-case file-name-safe form of a label (`2026-Q3`, `Q3 2026`). */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'report';
}

/** Renders one tenant's report for `period` as a PDF or HTML document. */
export async function renderReportDocument(
  deps: RenderDeps,
  tenant: { id: string; name: string },
  period: Period,
  format: 'pdf' | 'html',
  brandPath: string | null,
  /** A brand already loaded (the web download); otherwise `brandPath` is read. */
  loaded?: Brand,
): Promise<ReportDocument> {
  const now = deps.now?.() ?? new Date();
  const brand = loaded ?? loadBrand(brandPath ?? undefined);
  // Benchmarked among every configured tenant (their latest complete scan in the period), never named.
  const report = await buildClientReport(deps.store, tenant, period, { now, peers: deps.tenants });
  const base = `maturity-report-${slug(tenant.id)}-${slug(period.label)}`;
  if (format === 'html') {
    return { filename: `${base}.html`, contentType: 'text/html; charset=utf-8', content: Buffer.from(renderClientReportHtml(report, brand), 'utf8') };
  }
  return { filename: `${base}.pdf`, contentType: 'application/pdf', content: await renderClientReportPdf(report, brand) };
}
