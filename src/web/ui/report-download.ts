/**
 * *Download report* on the tenant page: `GET /tenants/:id/report.pdf` and `/report.html` with an optional
 * `?period=2026-Q3` (a quarter, month or year; default the last 90 days, as `ratchet report`). The client-facing
 * report of src/report/client, as an attachment. Any signed-in role may download (it shows what the tenant page
 * shows); the service's tenant scope applies — a tenant outside a scoped token is 404, as on every tenant page, so
 * a scoped principal cannot learn which other tenants exist. Anonymous requests never get here: the auth plugin
 * redirects a browser to the sign-in page and answers anything else 401.
 */
import type { FastifyInstance } from 'fastify';
import { loadBrand, type Brand } from '../../report/client/brand.js';
import { NoHistoryError, PeriodError, periodFromOptions } from '../../report/client/model.js';
import { renderReportDocument } from '../../report/client-document.js';
import type { Store } from '../../store/store.js';
import type { Ui } from './context.js';
import { first, type RawQuery } from './portfolio.js';

export interface ReportDownloadDeps {
  store: Store;
  /** The brand file for downloads (`--brand`); default brand when absent. */
  brandPath?: string;
}

export function registerReportDownload(app: FastifyInstance, ui: Ui, deps: ReportDownloadDeps): void {
  // Read once: a broken brand file shows up at start-up in serve's log, not as a failing download later.
  let brand: Brand | null = null;
  const brandOf = (): Brand => (brand ??= loadBrand(deps.brandPath));
  for (const format of ['pdf', 'html'] as const) {
    app.get<{ Params: { id: string } }>(`/tenants/:id/report.${format}`, async (req, reply) => {
      const p = ui.signedIn(req, reply);
      if (!p) return reply;
      const data = await ui.service.tenant(p, req.params.id);
      if (!data) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
      const periodText = first(req.query as RawQuery, 'period');
      let period;
      try {
        period = periodFromOptions({ period: periodText?.trim() || undefined }, ui.now());
      } catch (e) {
        if (!(e instanceof PeriodError)) throw e;
        return ui.page(req, reply, 'error', { title: 'Request refused', status: 400, heading: 'Request refused', message: e.message.replace(/^--period /, 'period ') }, 400);
      }
      let doc;
      try {
        doc = await renderReportDocument({ store: deps.store, tenants: [], now: ui.now }, { id: data.summary.id, name: data.summary.name }, period, format, null, brandOf());
      } catch (e) {
        if (e instanceof NoHistoryError) return ui.notFound(req, reply, `${data.summary.name} has no scan in ${period.label}: pick another period.`);
        throw e;
      }
      return reply
        .code(200)
        .header('content-type', doc.contentType)
        .header('content-disposition', `attachment; filename="${doc.filename}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(doc.content);
    });
  }
}
