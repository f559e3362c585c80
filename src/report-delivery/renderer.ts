/** The dispatcher's renderer: a queued report job → the document, subject and body to mail. */
import { AlertDeliveryError } from '../alerts/errors.js';
import { ConfigError } from '../config/errors.js';
import type { ReportJob } from '../domain/report-delivery.js';
import { NoHistoryError, parsePeriod, type Period } from '../report/client/model.js';
import { renderReportDocument, type ReportDocument, type RenderDeps } from '../report/client-document.js';
import type { RenderedReport } from './mailer.js';
import type { ReportRenderer } from './dispatcher.js';

/**
 * The dispatcher's renderer. A tenant no longer configured, no scan in the period or a broken brand file cannot be
 * fixed by trying again in a minute: those fail the row at once (a config error is logged with its fix); anything
 * else (the store briefly unreachable) is retried.
 */
export function createReportRenderer(deps: RenderDeps): ReportRenderer {
  return async (job: ReportJob): Promise<RenderedReport> => {
    const tenant = deps.tenants.find((t) => t.id === job.tenantId);
    const final = (message: string) => new AlertDeliveryError('reports:email', 'config', message);
    if (!tenant) throw final(`tenant ${job.tenantId} is no longer in the config; report not sent`);
    const now = deps.now?.() ?? new Date();
    let doc: ReportDocument;
    let period: Period;
    try {
      period = parsePeriod(job.period.label, now);
      doc = await renderReportDocument(deps, tenant, period, job.format, job.brand);
    } catch (err) {
      if (err instanceof NoHistoryError) throw final(`no scan of ${job.tenantId} in ${job.period.label}: nothing to report`);
      if (err instanceof ConfigError) throw final(`brand file: ${err.problems.join('; ')}`);
      throw err;
    }
    return {
      ...doc,
      subject: `IT maturity report: ${tenant.name}, ${period.label}`,
      text: [
        `Hello,`,
        ``,
        `attached is the IT maturity report for ${tenant.name} covering ${period.label}: the maturity level, how each area developed, what improved and what slipped, and the next steps.`,
        ``,
        `This message was sent automatically on a schedule.`,
      ].join('\n'),
    };
  };
}
