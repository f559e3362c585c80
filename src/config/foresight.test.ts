/** `foresight:` and `alerts[].atRisk` (DESIGN §14): defaults, and bad values named by their path. */
import { describe, expect, it } from 'vitest';
import { PLUGINS } from '../../collectors/index.js';
import { ConfigError, parseConfig } from './load.js';

const GUID = '00000000-0000-0000-0000-000000000001';
const base = (extra: Record<string, unknown> = {}) => ({
  tenants: [{ id: 'contoso', name: 'Contoso', m365: { tenantId: GUID, clientId: GUID, clientSecret: '${env:CONTOSO_SECRET}' } }],
  ...extra,
});
const env = { CONTOSO_SECRET: 'sup3r-s3cret-value' };

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, PLUGINS, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

describe('config: foresight', () => {
  it('defaults to on, a 30-day horizon and 6 scans', () => {
    expect(parseConfig(base(), PLUGINS, env).config.foresight).toEqual({ enabled: true, horizonDays: 30, minScans: 6 });
  });

  it('fills what is left out and keeps what is given', () => {
    expect(parseConfig(base({ foresight: { horizonDays: 14 } }), PLUGINS, env).config.foresight).toEqual({ enabled: true, horizonDays: 14, minScans: 6 });
    expect(parseConfig(base({ foresight: { enabled: false, minScans: 10 } }), PLUGINS, env).config.foresight).toEqual({ enabled: false, horizonDays: 30, minScans: 10 });
  });

  it('names bad values and unknown keys by their path', () => {
    const p = problemsOf(base({ foresight: { horizonDays: 0, minScans: 2.5, horizon: 30 } })).join('\n');
    expect(p).toMatch(/foresight\.horizonDays: must be at least 1 day/);
    expect(p).toMatch(/foresight\.minScans: /);
    expect(p).toMatch(/foresight\.horizon: unknown key/);
    expect(problemsOf(base({ foresight: { minScans: 2 } })).join('\n')).toMatch(/foresight\.minScans: must be at least 3 scans/);
    expect(problemsOf(base({ foresight: { horizonDays: '30' } })).join('\n')).toMatch(/foresight\.horizonDays: /);
  });
});

describe('config: alerts[].atRisk', () => {
  it('is off unless a channel opts in, on every channel type', () => {
    const alerts = [
      { type: 'teams', url: 'https://example.webhook.office.com/x' },
      { type: 'slack', url: 'https://hooks.slack.com/services/x', atRisk: true },
      { type: 'webhook', url: 'https://psa.example/hook', atRisk: false },
      { type: 'email', host: 'smtp.example', from: 'r@x', to: ['ops@x'], atRisk: true },
    ];
    const parsed = parseConfig(base({ alerts }), PLUGINS, env).config.alerts;
    expect(parsed.map((a) => a.atRisk === true)).toEqual([false, true, false, true]);
  });

  it('names a non-boolean atRisk by its path', () => {
    expect(problemsOf(base({ alerts: [{ type: 'teams', url: 'https://example.webhook.office.com/x', atRisk: 'yes' }] })).join('\n')).toMatch(/alerts\[0\]\.atRisk: /);
  });
});
