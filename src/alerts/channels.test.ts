/** createChannels: ids that match outbox rows, and every credential registered with the scrubber up front. */
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './channels.js';
import { clearSecrets, scrub } from '../log/secrets.js';

afterEach(() => clearSecrets());

describe('createChannels', () => {
  it('builds one channel per alerts[] entry with id <index>:<type> and a host-only target', () => {
    const channels = createChannels([
      { type: 'teams', url: 'https://prod-01.westeurope.logic.azure.com:443/workflows/0f1e/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' },
      { type: 'slack', url: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX' },
      { type: 'webhook', url: 'https://psa.example/hook?token=abcdef0123456789abcdef', secret: 'whsec-0123456789abcdef' },
      { type: 'email', host: 'smtp.msp.example', port: 587, secure: false, username: 'ratchet', password: 'smtp-pass-0123', from: 'alerts@msp.example', to: ['noc@msp.example'] },
    ]);
    expect(channels.map((c) => [c.id, c.type, c.target])).toEqual([
      ['0:teams', 'teams', 'prod-01.westeurope.logic.azure.com'],
      ['1:slack', 'slack', 'hooks.slack.com'],
      ['2:webhook', 'webhook', 'psa.example'],
      ['3:email', 'email', 'smtp.msp.example:587'],
    ]);
  });

  it('registers URLs, their token parts, the HMAC secret and the SMTP password as secrets', () => {
    const teamsUrl = 'https://prod-01.westeurope.logic.azure.com:443/workflows/0f1e2d3c4b5a69788796a5b4c3d2e1f0/triggers/manual/paths/invoke?api-version=2016-06-01&sig=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const slackUrl = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    createChannels([
      { type: 'teams', url: teamsUrl },
      { type: 'slack', url: slackUrl },
      { type: 'webhook', url: 'https://psa.example/hook?token=abcdef0123456789abcdef', secret: 'whsec-0123456789abcdef' },
      { type: 'email', host: 'smtp.msp.example', port: 587, secure: false, username: 'ratchet', password: 'smtp-pass-0123', from: 'alerts@msp.example', to: ['noc@msp.example'] },
    ]);
    expect(scrub(`posting to ${teamsUrl}`)).toBe('posting to [REDACTED]');
    expect(scrub('sig AbCdEfGhIjKlMnOpQrStUvWxYz0123456789')).toBe('sig [REDACTED]');
    // Normalised form (the :443 dropped) as a library might print it.
    expect(scrub(new URL(teamsUrl).toString())).toBe('[REDACTED]');
    expect(scrub(`url ${slackUrl}`)).toBe('url [REDACTED]');
    expect(scrub('token XXXXXXXXXXXXXXXXXXXXXXXX')).toBe('token [REDACTED]');
    expect(scrub('q abcdef0123456789abcdef')).toBe('q [REDACTED]');
    expect(scrub('s whsec-0123456789abcdef p smtp-pass-0123')).toBe('s [REDACTED] p [REDACTED]');
    // Host names stay readable.
    expect(scrub('hooks.slack.com psa.example')).toBe('hooks.slack.com psa.example');
  });
});
