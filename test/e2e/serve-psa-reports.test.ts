/**
 * `ratchet serve` as the container runs it (its own process, the default log level, secrets from `${env:…}` and
 * `${file:…}`) closes the loop of issue 14: a regression confirmed while the PSA was down is ticketed once the server
 * runs, and the scheduled client report of the month before is e-mailed (through the SMTP relay of `alerts[]`) on
 * start — the catch-up of a firing missed while no server ran — with the PDF attached, once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/lib/cli.js';
import { spawnServe, type RatchetProcess } from '../../bench/lib/serve-process.js';
import { startSmtp, type SmtpReceiver } from '../../src/alerts/test-support.js';
import { psaCompanyId } from '../../src/simulator/psa.js';
import { poll } from '../helpers/poll.js';
import { e2e } from './harness.js';

const SMTP_PASSWORD = 'smtp-relay-password-0123';
let smtp: SmtpReceiver | null = null;
let serve: RatchetProcess | null = null;
afterAll(async () => {
  await serve?.stop(5_000);
  await smtp?.close();
});

/** A time `days` into the calendar month before now (UTC): the period a `previous-month` report covers. */
function inPreviousMonth(days: number, hours = 0): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1 + days, 8 + hours));
}

describe('ratchet serve: PSA tickets and scheduled client reports', () => {
  it('tickets a regression confirmed while the PSA was down, and mails last month\u2019s report with its PDF once', async () => {
    smtp = await startSmtp({ auth: { username: 'ratchet', password: SMTP_PASSWORD } });
    const h = await e2e(
      { tenants: [{ id: 'tailspin', name: 'Tailspin Toys', profile: 'level4', seed: 'tailspin', knobs: { users: 120, devices: 60 } }] },
      {
        regression: { confirmScans: 1, scoreDrop: 10 },
        schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 1, jitterSeconds: 0 },
        alerts: [{ type: 'email', host: '127.0.0.1', port: smtp.port, secure: false, username: 'ratchet', password: '${env:SMTP_PASSWORD}', from: 'ratchet@msp.example', to: ['noc@msp.example'] }],
        reports: [{ id: 'monthly', tenants: 'all', cron: '0 7 * * *', to: ['it@tailspin.example'], format: 'pdf', period: 'previous-month' }],
      },
      { psa: { provider: 'halopsa' } },
    );
    const env = { ...h.env, SMTP_PASSWORD };
    const ledger = h.sim.psa('halopsa');

    // Last month's history: a baseline, then a regression confirmed while the PSA was down (the scan's own attempt fails).
    for (const [day, profile] of [[3, 'level4'], [5, 'level4'], [9, 'level2']] as const) {
      h.sim.setProfile('tailspin', profile);
      ledger.faults = profile === 'level2' ? { down: true } : {};
      const r = await runCli(['--config', h.configPath, 'scan', '--format', 'json'], env, () => inPreviousMonth(day));
      expect(r.code, r.logs.slice(-2000)).toBe(0);
    }
    expect(ledger.list()).toEqual([]);
    ledger.faults = {};

    serve = await spawnServe({ configPath: h.configPath, dir: h.dir, env, args: ['--port', '0'] });
    const ticket = await poll(() => ledger.list()[0], 'the ticket made by serve', 60_000);
    expect(ticket.company).toBe(psaCompanyId('tailspin'));
    expect(ticket.summary).toMatch(/^Maturity regression: Tailspin Toys L3→L2 \[ratchet:ep-/);
    const report = await poll(() => smtp!.messages.find((m) => m.to.includes('it@tailspin.example')), 'the scheduled report e-mail', 60_000);
    expect(report.raw).toMatch(/Content-Type: application\/pdf/i);
    expect(report.raw).toMatch(/filename="?maturity-report-tailspin-/);
    // The regression alert went to the NOC through the same relay, signed in with the password from the environment.
    await poll(() => smtp!.messages.find((m) => m.to.includes('noc@msp.example')), 'the regression alert e-mail', 30_000);
    expect(smtp.logins.every((l) => l.password === SMTP_PASSWORD)).toBe(true);

    // Give the loops another turn: nothing is sent or made twice.
    await new Promise((r) => setTimeout(r, 2_000));
    const server = serve;
    serve = null;
    expect(await server.stop(20_000)).toBe(0);
    expect(ledger.list()).toHaveLength(1);
    expect(smtp.messages.filter((m) => m.to.includes('it@tailspin.example'))).toHaveLength(1);
    const logs = server.logText();
    expect(logs).toContain('PSA ticket open done');
    for (const secret of [...h.secrets, SMTP_PASSWORD]) expect(logs).not.toContain(secret);
  }, 180_000);
});
