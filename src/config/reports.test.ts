/** Config `reports[]`: defaults, and every mistake named by its path (unknown tenant, cron, e-mail, no channel). */
import { describe, expect, it } from 'vitest';
import { PLUGINS } from '../../collectors/index.js';
import { ConfigError, parseConfig } from './load.js';
import { reportSchedules } from './reports.js';

const GUID = '00000000-0000-0000-0000-000000000001';
const env = { SECRET: 'sup3r-s3cret-value' };
const tenant = (id: string) => ({ id, name: id, m365: { tenantId: GUID, clientId: GUID, clientSecret: '${env:SECRET}' } });
const EMAIL = { type: 'email', host: '127.0.0.1', port: 2525, from: 'ratchet@msp.example', to: ['noc@msp.example'] };

function raw(reports: unknown[], alerts: unknown[] = [EMAIL]) {
  return { alerts, reports, tenants: [tenant('contoso'), tenant('fabrikam')] };
}

function problemsOf(value: unknown): string[] {
  try {
    parseConfig(value, PLUGINS, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

describe('config reports[]', () => {
  it('accepts a schedule and fills format, period, time zone and id', () => {
    const { config } = parseConfig(raw([{ tenants: ['contoso'], cron: '0 7 1 */3 *', to: ['it@contoso.example'] }]), PLUGINS, env);
    expect(config.reports).toEqual([
      { tenants: ['contoso'], cron: '0 7 1 */3 *', timezone: 'UTC', to: ['it@contoso.example'], format: 'pdf', period: 'previous-quarter' },
    ]);
    expect(reportSchedules(config.reports)[0]!.id).toBe('report-0');
  });

  it('is optional and defaults to none', () => {
    const { config } = parseConfig({ tenants: [tenant('contoso')] }, PLUGINS, env);
    expect(config.reports).toEqual([]);
  });

  it('accepts tenants: all', () => {
    const { config } = parseConfig(raw([{ id: 'qbr', tenants: 'all', cron: '0 7 1 * *', to: ['a@b.example'], format: 'html', period: 'previous-month' }]), PLUGINS, env);
    expect(config.reports[0]!.tenants).toBe('all');
  });

  it('names an unknown tenant id', () => {
    const problems = problemsOf(raw([{ tenants: ['contoso', 'nope'], cron: '0 7 1 */3 *', to: ['it@contoso.example'] }]));
    expect(problems.join('\n')).toContain('reports[0].tenants[1]');
    expect(problems.join('\n')).toContain('unknown tenant id "nope"');
  });

  it('rejects an invalid cron, time zone and e-mail address, each by path', () => {
    const problems = problemsOf(
      raw([{ tenants: 'all', cron: '0 7 32 * *', timezone: 'Mars/Olympus', to: ['not-an-address'] }]),
    ).join('\n');
    expect(problems).toMatch(/reports\[0\]\.cron: .*not a valid cron expression/);
    expect(problems).toMatch(/reports\[0\]\.timezone: .*IANA time zone/);
    expect(problems).toMatch(/reports\[0\]\.to\[0\]: .*e-mail address/);
  });

  it('needs an e-mail channel in alerts[] to send through', () => {
    const problems = problemsOf(raw([{ tenants: 'all', cron: '0 7 1 */3 *', to: ['it@contoso.example'] }], [])).join('\n');
    expect(problems).toMatch(/reports\[0\]: reports are sent through the e-mail channel/);
  });

  it('rejects duplicate report ids and unknown keys', () => {
    const s = { id: 'qbr', tenants: 'all', cron: '0 7 1 */3 *', to: ['it@contoso.example'] };
    expect(problemsOf(raw([s, s])).join('\n')).toContain('reports[1].id: duplicate report id "qbr"');
    expect(problemsOf(raw([{ ...s, subject: 'x' }])).join('\n')).toContain('reports[0]');
  });
});
