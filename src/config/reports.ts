/**
 * Config `reports[]` (DESIGN §13): client-facing maturity reports delivered by e-mail on a schedule.
 *
 * A report sends through the e-mail channel of `alerts[]` (the first `type: email` entry: its host, port, TLS,
 * credentials and `from`; its `to` is the alert audience and is NOT used — each report has its own recipients).
 * One SMTP relay per MSP is the norm, and a second set of SMTP credentials per report would be a second secret to
 * rotate for no gain; so a report without an e-mail channel is a config error naming `reports[i]`.
 */
import cron from 'node-cron';
import { z } from 'zod';

/** A plain mailbox (`it@contoso.example`); display names are not accepted for recipients. */
const email = z.email({ error: 'must be an e-mail address such as it@contoso.example' });

export const REPORT_PERIODS = ['previous-quarter', 'previous-month'] as const;
export type ReportPeriodKind = (typeof REPORT_PERIODS)[number];

export const ReportScheduleSchema = z
  .object({
    /** Stable id: part of every delivery's idempotency key. Defaults to `report-<index>`. */
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes ([a-z0-9-])').optional(),
    tenants: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
    cron: z.string().refine((s) => cron.validate(s), { error: 'is not a valid cron expression (e.g. "0 7 1 */3 *": 07:00 on the 1st of every third month)' }),
    timezone: z
      .string()
      .refine(isTimeZone, { error: 'is not an IANA time zone (e.g. "Europe/Berlin" or "UTC")' })
      .default('UTC'),
    to: z.array(email).min(1, 'name at least one recipient'),
    format: z.enum(['pdf', 'html']).default('pdf'),
    period: z.enum(REPORT_PERIODS).default('previous-quarter'),
    /** Brand file (logo, name, colours) for this report; the default brand otherwise. */
    brand: z.string().min(1).optional(),
  })
  .strict();

export const ReportsSchema = z.array(ReportScheduleSchema).default([]);

export type ReportScheduleConfig = z.infer<typeof ReportScheduleSchema>;

/** A schedule with its id filled in. */
export type ReportSchedule = ReportScheduleConfig & { id: string };

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function reportScheduleId(schedule: ReportScheduleConfig, index: number): string {
  return schedule.id ?? `report-${index}`;
}

export function reportSchedules(reports: readonly ReportScheduleConfig[]): ReportSchedule[] {
  return reports.map((r, i) => ({ ...r, id: reportScheduleId(r, i) }));
}

interface Issue {
  path: (string | number)[];
  message: string;
}

/**
 * Cross-checks of `reports[]` against the rest of the config: every tenant id exists, ids are unique, and there is
 * an e-mail channel to send through. Returned (not thrown) so the schema's superRefine reports them with the rest.
 */
export function reportConfigIssues(config: {
  reports: readonly ReportScheduleConfig[];
  tenants: readonly { id: string }[];
  alerts: readonly { type: string }[];
}): Issue[] {
  const issues: Issue[] = [];
  const known = new Set(config.tenants.map((t) => t.id));
  const hasEmail = config.alerts.some((a) => a.type === 'email');
  const ids = new Set<string>();
  config.reports.forEach((r, i) => {
    const id = reportScheduleId(r, i);
    if (ids.has(id)) issues.push({ path: ['reports', i, 'id'], message: `duplicate report id "${id}"` });
    ids.add(id);
    if (r.tenants !== 'all') {
      r.tenants.forEach((t, j) => {
        if (!known.has(t)) issues.push({ path: ['reports', i, 'tenants', j], message: `unknown tenant id "${t}" (not in tenants[])` });
      });
    }
    if (!hasEmail) {
      issues.push({
        path: ['reports', i],
        message: 'reports are sent through the e-mail channel: add an alerts[] entry { type: email, host, port, from, to }',
      });
    }
  });
  return issues;
}
