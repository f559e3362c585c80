/**
 * Email through a real SMTP receiver (smtp-server on loopback, no TLS): subject, text and HTML parts, the headers
 * derived from the idempotency key, escaping of a hostile tenant name, auth, and failure classification.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailChannel, messageIdFor } from './email.js';
import { AlertDeliveryError } from './errors.js';
import { sampleEvent, parseMail, startSmtp, type SmtpReceiver } from './test-support.js';

const servers: SmtpReceiver[] = [];
async function smtp(...args: Parameters<typeof startSmtp>): Promise<SmtpReceiver> {
  const s = await startSmtp(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const KEY = 'ep-0123456789abcdef0123:regression:3:email';
const signal = () => new AbortController().signal;

async function failure(p: Promise<void>): Promise<AlertDeliveryError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AlertDeliveryError);
  return err as AlertDeliveryError;
}

describe('email channel', () => {
  it('delivers subject, text and HTML with the hostile tenant name escaped in HTML', async () => {
    const server = await smtp();
    const channel = createEmailChannel({
      id: '3:email',
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      from: 'Ratchet <alerts@msp.example>',
      to: ['noc@msp.example', 'oncall@msp.example'],
    });
    expect(channel.target).toBe(`127.0.0.1:${server.port}`);
    const event = sampleEvent({ tenant: { id: 'evil', name: '<script>alert(1)</script>' } });
    await channel.send(event, KEY, signal());

    expect(server.messages).toHaveLength(1);
    const msg = server.messages[0]!;
    expect(msg.from).toBe('alerts@msp.example');
    expect(msg.to).toEqual(['noc@msp.example', 'oncall@msp.example']);
    const mail = parseMail(msg.raw);
    expect(mail.subject).toBe('[Ratchet] <script>alert(1)</script>: maturity slipped from level 3 (Defined) to 2 (Managed)');
    expect(mail.headers.get('message-id')).toBe(messageIdFor(KEY, 'Ratchet <alerts@msp.example>'));
    expect(mail.headers.get('message-id')).toMatch(/^<ratchet\.[0-9a-f]{32}@msp\.example>$/);
    expect(mail.headers.get('x-ratchet-idempotency-key')).toBe(KEY);
    expect(mail.headers.get('x-ratchet-event')).toBe('regression');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

    expect(mail.text).toContain('<script>alert(1)</script> (evil)');
    expect(mail.text).toContain('    - mfa-enforced: pass → fail');
    expect(mail.text).toContain('        expected: ≥ 90 %');
    expect(mail.text).toContain('https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002');

    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('<a href="https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002">');
    expect(mail.html).toContain('<td><code>mfa-enforced</code></td><td>pass → fail</td>');
    expect(mail.html).toContain('<code>ratchet rescore --scan scan-contoso-0002 --format markdown</code>');
  });

  it('the same idempotency key always gives the same Message-ID', () => {
    expect(messageIdFor(KEY, 'alerts@msp.example')).toBe(messageIdFor(KEY, 'alerts@msp.example'));
    expect(messageIdFor(KEY, 'alerts@msp.example')).not.toBe(messageIdFor(`${KEY}x`, 'alerts@msp.example'));
    expect(messageIdFor(KEY, 'no-domain')).toMatch(/@ratchet\.invalid>$/);
  });

  it('authenticates with PLAIN on loopback', async () => {
    const server = await smtp({ auth: { username: 'ratchet', password: 'smtp-password-0123456789' } });
    const channel = createEmailChannel({
      id: '3:email',
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      username: 'ratchet',
      password: 'smtp-password-0123456789',
      from: 'alerts@msp.example',
      to: ['noc@msp.example'],
    });
    await channel.send(sampleEvent(), KEY, signal());
    expect(server.logins).toEqual([{ username: 'ratchet', password: 'smtp-password-0123456789' }]);
    expect(server.messages).toHaveLength(1);
  });

  it('a wrong password is a permanent failure whose message has no password', async () => {
    const server = await smtp({ auth: { username: 'ratchet', password: 'right-password-0123456789' } });
    const channel = createEmailChannel({
      id: '3:email',
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      username: 'ratchet',
      password: 'wrong-password-0123456789',
      from: 'alerts@msp.example',
      to: ['noc@msp.example'],
    });
    const err = await failure(channel.send(sampleEvent(), KEY, signal()));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^3:email SMTP to 127\.0\.0\.1:\d+ failed: EAUTH/);
    expect(err.message).not.toContain('wrong-password');
  });

  it('an SMTP 4xx is retried, a 5xx is final', async () => {
    const busy = await smtp({ rejectWith: { code: 451, message: 'Try again later' } });
    const base = { id: '3:email', host: '127.0.0.1', secure: false, from: 'alerts@msp.example', to: ['noc@msp.example'] };
    const transient = await failure(createEmailChannel({ ...base, port: busy.port }).send(sampleEvent(), KEY, signal()));
    expect(transient.retryable).toBe(true);
    expect(transient.status).toBe(451);

    const reject = await smtp({ rejectWith: { code: 554, message: 'Message rejected' } });
    const final = await failure(createEmailChannel({ ...base, port: reject.port }).send(sampleEvent(), KEY, signal()));
    expect(final.retryable).toBe(false);
    expect(final.status).toBe(554);
  });

  it('no server is a retryable network failure', async () => {
    const server = await smtp();
    const port = server.port;
    await server.close();
    servers.splice(0);
    const err = await failure(
      createEmailChannel({ id: '3:email', host: '127.0.0.1', port, secure: false, from: 'alerts@msp.example', to: ['noc@msp.example'], timeoutMs: 2_000 }).send(
        sampleEvent(),
        KEY,
        signal(),
      ),
    );
    expect(err.retryable).toBe(true);
    expect(err.kind).toBe('network');
  });
});
