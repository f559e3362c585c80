/**
 * Scheduled client reports end to end, through the real SQLite store, r1's real renderer, nodemailer and a loopback
 * SMTP server (smtp-server): the planner queues once however often it fires; the report arrives once with the PDF
 * attached; a failing relay is retried; a restart (a new store handle and dispatcher on the same file) never
 * sends it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../alerts/email.js';
import { captureLogger, startSmtp, type SmtpReceiver } from '../alerts/test-support.js';
import type { ReportSchedule } from '../config/reports.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { sampleScan } from '../../test/helpers/sample-scan.js';
import { ReportDispatcher } from './dispatcher.js';
import { createReportMailer, type EmailAlertConfig } from './mailer.js';
import { planReportDeliveries, previousPeriod, queueScheduledReports } from './plan.js';
import { createReportRenderer } from './renderer.js';

const TENANTS = [
  { id: 'contoso', name: 'Contoso Ltd' },
  { id: 'fabrikam', name: 'Fabrikam Inc' },
];
const SCHEDULE: ReportSchedule = {
  id: 'qbr',
  tenants: ['contoso'],
  cron: '0 7 1 */3 *',
  timezone: 'UTC',
  to: ['it@contoso.example', 'ceo@contoso.example'],
  format: 'pdf',
  period: 'previous-quarter',
};
/** The scheduled run: 07:00 on 1 October 2026 reports 2026-Q3. */
const RUN = new Date('2026-10-01T07:00:00.000Z');

let dir: string;
let file: string;
const smtps: SmtpReceiver[] = [];
const stores: SqliteStore[] = [];

function open(): SqliteStore {
  const s = new SqliteStore(file);
  stores.push(s);
  return s;
}
async function smtp(...args: Parameters<typeof startSmtp>): Promise<SmtpReceiver> {
  const s = await startSmtp(...args);
  smtps.push(s);
  return s;
}
const emailConfig = (port: number): EmailAlertConfig => ({ type: 'email', host: '127.0.0.1', port, secure: false, from: 'Ratchet <reports@msp.example>', to: ['noc@msp.example'] });

function dispatcher(store: SqliteStore, port: number, clock: { now: Date }, logger = captureLogger().logger): ReportDispatcher {
  const now = () => clock.now;
  return new ReportDispatcher({
    store,
    render: createReportRenderer({ store, tenants: TENANTS, now }),
    mailer: createReportMailer(emailConfig(port), { timeoutMs: 5_000 }),
    logger,
    now,
    backoffBaseMs: 60_000,
  });
}

/** The base64 attachment of a raw message, decoded. */
function attachment(raw: string): { filename: string | null; type: string | null; body: Buffer } | null {
  const m = /Content-Type: (application\/pdf)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n(?:[^\r\n]+\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
  if (!m) return null;
  const filename = /filename="?([^";\r\n]+)"?/.exec(raw)?.[1] ?? null;
  return { filename, type: m[1] ?? null, body: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratchet-report-delivery-'));
  file = join(dir, 'ratchet.db');
  const store = open();
  await store.migrate();
  // Three scans of Contoso in 2026-Q3, one before it.
  const days = ['2026-06-20', '2026-07-05', '2026-08-15', '2026-09-25'];
  for (const [i, day] of days.entries()) {
    await store.saveScan(sampleScan({ id: `scan-contoso-${i}`, tenantId: 'contoso', tenantName: 'Contoso Ltd', startedAt: `${day}T02:00:00.000Z`, level: i < 2 ? 2 : 3 }));
  }
});

afterEach(async () => {
  await Promise.all(smtps.splice(0).map((s) => s.close()));
  for (const s of stores.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report period', () => {
  it('is the whole quarter or month before the run, in the schedule time zone', () => {
    expect(previousPeriod('previous-quarter', RUN)).toEqual({ label: '2026-Q3', from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' });
    expect(previousPeriod('previous-quarter', new Date('2027-01-01T07:00:00Z')).label).toBe('2026-Q4');
    expect(previousPeriod('previous-month', new Date('2027-01-01T07:00:00Z'))).toEqual({ label: '2026-12', from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    // 23:30 UTC on 30 September is already 1 October in Sydney: Q3 is over there.
    expect(previousPeriod('previous-quarter', new Date('2026-09-30T23:30:00Z'), 'Australia/Sydney').label).toBe('2026-Q3');
    expect(previousPeriod('previous-quarter', new Date('2026-09-30T23:30:00Z'), 'UTC').label).toBe('2026-Q2');
  });
});

describe('report planner', () => {
  it('plans one row per tenant with a key from schedule, tenant and period; all = every configured tenant', () => {
    const rows = planReportDeliveries({ ...SCHEDULE, tenants: 'all' }, TENANTS.map((t) => t.id), RUN);
    expect(rows.map((r) => r.idempotencyKey)).toEqual(['report:qbr:contoso:2026-Q3', 'report:qbr:fabrikam:2026-Q3']);
    expect(rows[0]!.payload).toEqual({ scheduleId: 'qbr', tenantId: 'contoso', period: previousPeriod('previous-quarter', RUN), format: 'pdf', brand: null, to: SCHEDULE.to });
  });

  it('two planners firing for the same period queue one row', async () => {
    const a = open();
    const b = open(); // a second scheduler on the same database
    const [first, second] = await Promise.all([
      queueScheduledReports(a, SCHEDULE, ['contoso', 'fabrikam'], RUN),
      queueScheduledReports(b, SCHEDULE, ['contoso', 'fabrikam'], new Date(RUN.getTime() + 30_000)),
    ]);
    expect(first.length + second.length).toBe(1);
    // A restart firing again later in the quarter: still the same period, nothing new.
    expect(await queueScheduledReports(open(), SCHEDULE, ['contoso'], new Date('2026-10-15T07:00:00Z'))).toEqual([]);
    expect((await a.reportDeliveries()).map((d) => d.idempotencyKey)).toEqual(['report:qbr:contoso:2026-Q3']);
    // The next quarter is a new report.
    expect(await queueScheduledReports(a, SCHEDULE, ['contoso'], new Date('2027-01-01T07:00:00Z'))).toHaveLength(1);
  });
});

describe('report delivery', () => {
  it('mails the PDF once; a failing relay is retried; a restart never sends it again', async () => {
    const clock = { now: RUN };
    const store = open();
    await queueScheduledReports(store, SCHEDULE, ['contoso'], RUN);

    // The relay refuses for now (451: try again later).
    const down = await smtp({ rejectWith: { code: 451, message: 'Try again later' } });
    const log = captureLogger();
    const r1 = await dispatcher(store, down.port, clock, log.logger).runOnce();
    expect(r1).toEqual({ delivered: 0, retried: 1, failed: 0 });
    let [row] = await store.reportDeliveries();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: '2026-10-01T07:01:00.000Z' });
    expect(row!.lastError).toContain('SMTP 451');
    expect(log.lines.join('\n')).toContain('client report not sent; will retry');

    // Not due yet: nothing is tried.
    const up = await smtp();
    expect(await dispatcher(store, up.port, clock).runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });

    // A restart after the backoff: a new store handle and dispatcher on the same file, the relay back up.
    clock.now = new Date(RUN.getTime() + 61_000);
    const restarted = open();
    expect(await dispatcher(restarted, up.port, clock).runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(up.messages).toHaveLength(1);
    const msg = up.messages[0]!;
    expect(msg.to).toEqual(['it@contoso.example', 'ceo@contoso.example']);
    expect(msg.raw).toMatch(/Subject: IT maturity report: Contoso Ltd, Q3 2026/);
    const pdf = attachment(msg.raw);
    expect(pdf?.type).toBe('application/pdf');
    expect(pdf?.filename).toBe('maturity-report-contoso-q3-2026.pdf');
    expect(pdf!.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf!.body.length).toBeGreaterThan(2_000);

    [row] = await restarted.reportDeliveries();
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });

    // Another restart, another planner firing, much later: nothing more is sent.
    clock.now = new Date('2026-11-01T07:00:00Z');
    const again = open();
    await queueScheduledReports(again, SCHEDULE, ['contoso'], clock.now);
    expect(await dispatcher(again, up.port, clock).runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(up.messages).toHaveLength(1);
  });

  it('two dispatchers on one database send a due report once (HTML attached, Message-ID from the key)', async () => {
    const clock = { now: RUN };
    const a = open();
    const b = open();
    await queueScheduledReports(a, { ...SCHEDULE, format: 'html' }, ['contoso'], RUN);
    const up = await smtp();
    const results = await Promise.all([dispatcher(a, up.port, clock).runOnce(), dispatcher(b, up.port, clock).runOnce()]);
    expect(results.reduce((n, r) => n + r.delivered, 0)).toBe(1);
    expect(up.messages).toHaveLength(1);
    const raw = up.messages[0]!.raw;
    expect(raw).toMatch(/Content-Type: text\/html; charset=utf-8/i);
    expect(raw).toMatch(/filename="?maturity-report-contoso-q3-2026\.html/);
    expect(raw).toContain(`Message-ID: ${messageIdFor('report:qbr:contoso:2026-Q3', 'Ratchet <reports@msp.example>')}`);
  });

  it('fails a report at once when the relay rejects it for good, or there is no history for the period', async () => {
    const clock = { now: RUN };
    const store = open();
    await queueScheduledReports(store, { ...SCHEDULE, tenants: 'all' }, ['contoso', 'fabrikam'], RUN);
    const rejecting = await smtp({ rejectWith: { code: 550, message: 'Mailbox unavailable' } });
    const r = await dispatcher(store, rejecting.port, clock).runOnce();
    expect(r).toEqual({ delivered: 0, retried: 0, failed: 2 });
    const rows = await store.reportDeliveries();
    const byTenant = Object.fromEntries(rows.map((d) => [d.payload.tenantId, d]));
    expect(byTenant.contoso).toMatchObject({ status: 'failed', attempts: 1 });
    expect(byTenant.contoso!.lastError).toContain('SMTP 550');
    expect(byTenant.fabrikam).toMatchObject({ status: 'failed' });
    expect(byTenant.fabrikam!.lastError).toContain('no scan of fabrikam in 2026-Q3');
  });
});
