/** Reports in the format a command's `--format` asks for (DESIGN §5): `ratchet scan`, `rescore` and the demo print these. */
import type { Report } from '../domain/report.js';
import { formatHtml } from './format-html.js';
import { formatMarkdown, formatTable } from './format-text.js';

export const REPORT_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** JSON is the one report itself, or `{ schemaVersion, reports }` for several. */
export function render(reports: Report[], format: ReportFormat): string {
  if (format === 'json') {
    const doc = reports.length === 1 ? reports[0] : { schemaVersion: 1, reports };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  if (format === 'html') return formatHtml(reports);
  return format === 'markdown' ? formatMarkdown(reports) : formatTable(reports);
}
