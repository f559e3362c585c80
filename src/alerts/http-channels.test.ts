/**
 * Teams, Slack and the generic webhook against real loopback HTTP receivers: the exact payload shape and headers,
 * the HMAC over the raw bytes, and how each answer is classified.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertDeliveryError } from './errors.js';
import { createSlackChannel } from './slack.js';
import { createTeamsChannel } from './teams.js';
import { createWebhookChannel, verifySignature } from './webhook.js';
import { clearSecrets, registerSecret } from '../log/secrets.js';
import { sampleEvent, startReceiver, type Receiver } from './test-support.js';

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  clearSecrets();
});

const signal = () => new AbortController().signal;
const KEY = 'ep-0123456789abcdef0123:regression:0:webhook';

async function sendError(p: Promise<void>): Promise<AlertDeliveryError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AlertDeliveryError);
  return err as AlertDeliveryError;
}

describe('Teams (Workflows webhook)', () => {
  it('posts a message with one Adaptive Card attachment and accepts 202', async () => {
    const r = await receiver([{ status: 202 }], '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t-signature-value');
    const channel = createTeamsChannel({ id: '0:teams', url: r.url });
    expect(channel.target).toBe(new URL(r.url).host);
    await channel.send(sampleEvent(), KEY, signal());

    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=s3cr3t-signature-value');
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.raw.toString('utf8'));
    expect(Object.keys(body)).toEqual(['type', 'attachments']);
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const att = body.attachments[0];
    expect(att.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(att.contentUrl).toBeNull();
    const card = att.content;
    expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.4');
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Contoso Ltd: maturity slipped from level 3 (Defined) to 2 (Managed)', weight: 'Bolder', wrap: true });
    expect(card.body[2]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Tenant', value: 'Contoso Ltd (contoso)' },
        { title: 'Level', value: '3 (Defined) → 2 (Managed)' },
        { title: 'Scan', value: 'scan-contoso-0002' },
        { title: 'When', value: '2025-01-02T02:00:42.000Z' },
      ],
    });
    const types = card.body.map((b: { type: string }) => b.type);
    expect(new Set(types)).toEqual(new Set(['TextBlock', 'FactSet']));
    expect(card.body).toContainEqual({
      type: 'FactSet',
      facts: [{ title: 'mfa-enforced', value: 'pass → fail · observed: Security defaults off, no Conditional Access policy requires MFA · expected: enforced for all users' }],
    });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the evidence', url: 'https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002' }]);
  });

  it('has no action without a link', async () => {
    const r = await receiver([{ status: 202 }]);
    await createTeamsChannel({ id: '0:teams', url: r.url }).send(sampleEvent({ link: null }), KEY, signal());
    expect(JSON.parse(r.requests[0]!.raw.toString()).attachments[0].content.actions).toBeUndefined();
  });

  it('classifies 400 as permanent and never shows the URL path or query', async () => {
    const r = await receiver([{ status: 400, body: '{"error":{"code":"InvalidRequestContent","message":"bad card"}}' }], '/workflows/abc/paths/invoke?sig=topsecretsig');
    const err = await sendError(createTeamsChannel({ id: '0:teams', url: r.url }).send(sampleEvent(), KEY, signal()));
    expect(err.retryable).toBe(false);
    expect(err.kind).toBe('rejected');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`0:teams POST to ${new URL(r.url).host} failed: HTTP 400: {"error":{"code":"InvalidRequestContent","message":"bad card"}}`);
    expect(err.message).not.toContain('topsecretsig');
    expect(err.message).not.toContain('/workflows');
  });
});

describe('Slack (incoming webhook)', () => {
  it('posts {text, blocks} with header, section fields and context; accepts 200 ok', async () => {
    const r = await receiver([{ status: 200, body: 'ok' }], '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX');
    await createSlackChannel({ id: '1:slack', url: r.url }).send(sampleEvent(), KEY, signal());
    const body = JSON.parse(r.requests[0]!.raw.toString('utf8'));
    expect(Object.keys(body)).toEqual(['text', 'blocks']);
    expect(body.text).toBe('Contoso Ltd: maturity slipped from level 3 (Defined) to 2 (Managed)');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Contoso Ltd: maturity slipped from level 3 (Defined) to 2 (Managed)', emoji: false } });
    expect(body.blocks[1].type).toBe('section');
    expect(body.blocks[1].fields).toEqual([
      { type: 'mrkdwn', text: '*Tenant*\nContoso Ltd (contoso)', verbatim: true },
      { type: 'mrkdwn', text: '*Level*\n3 (Defined) → 2 (Managed)', verbatim: true },
      { type: 'mrkdwn', text: '*Scan*\nscan-contoso-0002', verbatim: true },
      { type: 'mrkdwn', text: '*When*\n2025-01-02T02:00:42.000Z', verbatim: true },
    ]);
    expect(body.blocks[2].text.text).toBe(
      '*Overall level 3 → 2*\n• `mfa-enforced` pass → fail — observed: Security defaults off, no Conditional Access policy requires MFA; expected: enforced for all users',
    );
    const last = body.blocks.at(-1);
    expect(last.type).toBe('context');
    expect(last.elements[0].text).toBe(
      'See the evidence: <https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002|Open the evidence>  ·  `ratchet rescore --scan scan-contoso-0002 --format markdown`',
    );
  });

  it('429 with Retry-After is retryable and carries the wait', async () => {
    const r = await receiver([{ status: 429, body: 'rate_limited', headers: { 'Retry-After': '42' } }]);
    const err = await sendError(createSlackChannel({ id: '1:slack', url: r.url }).send(sampleEvent(), KEY, signal()));
    expect(err.kind).toBe('throttled');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(42_000);
  });

  it('4xx text errors (invalid_payload, no_service) are permanent, and name Slack’s reason', async () => {
    const r = await receiver([{ status: 400, body: 'invalid_payload' }]);
    const err = await sendError(createSlackChannel({ id: '1:slack', url: r.url }).send(sampleEvent(), KEY, signal()));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/HTTP 400: invalid_payload$/);
  });

  it('a receiver that echoes the secret URL gets it scrubbed from the message', async () => {
    const r = await receiver([{ status: 404, body: '' }], '/services/T000/B000/SLACKTOKENSLACKTOKEN1234');
    registerSecret(r.url);
    r.answers = [{ status: 404, body: `no_service for ${r.url}` }];
    const err = await sendError(createSlackChannel({ id: '1:slack', url: r.url }).send(sampleEvent(), KEY, signal()));
    expect(err.message).not.toContain('SLACKTOKEN');
  });
});

describe('generic webhook', () => {
  const SECRET = 'whsec-0123456789abcdef-shared';

  it('posts {schemaVersion, event} with event, idempotency, timestamp and an HMAC over the exact body', async () => {
    const r = await receiver([{ status: 204 }], '/hook?token=query-token-123456789');
    const now = new Date('2025-01-02T02:05:00.000Z');
    const channel = createWebhookChannel({ id: '2:webhook', url: r.url, secret: SECRET, now: () => now });
    const event = sampleEvent();
    await channel.send(event, KEY, signal());

    const req = r.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['x-ratchet-event']).toBe('regression');
    expect(req.headers['idempotency-key']).toBe(KEY);
    expect(req.headers['x-ratchet-timestamp']).toBe(String(Date.parse('2025-01-02T02:05:00.000Z') / 1000));
    expect(req.headers['user-agent']).toBe('ratchet');
    const signature = req.headers['x-ratchet-signature'];
    expect(signature).toBe(`sha256=${createHmac('sha256', SECRET).update(req.raw).digest('hex')}`);
    expect(verifySignature(SECRET, req.raw, signature)).toBe(true);
    expect(verifySignature('another-secret-of-16+', req.raw, signature)).toBe(false);
    expect(verifySignature(SECRET, Buffer.concat([req.raw, Buffer.from(' ')]), signature)).toBe(false);
    expect(verifySignature(SECRET, req.raw, undefined)).toBe(false);
    expect(JSON.parse(req.raw.toString('utf8'))).toEqual({ schemaVersion: 1, event });
  });

  it('sends no signature without a secret', async () => {
    const r = await receiver([{ status: 200 }]);
    await createWebhookChannel({ id: '2:webhook', url: r.url }).send(sampleEvent(), KEY, signal());
    expect(r.requests[0]!.headers['x-ratchet-signature']).toBeUndefined();
    expect(r.requests[0]!.headers['idempotency-key']).toBe(KEY);
  });

  it('keeps the idempotency key (and the signed bytes) across a retry', async () => {
    const r = await receiver([{ status: 503, body: 'busy' }, { status: 200 }]);
    const channel = createWebhookChannel({ id: '2:webhook', url: r.url, secret: SECRET });
    const first = await sendError(channel.send(sampleEvent(), KEY, signal()));
    expect(first.kind).toBe('server');
    expect(first.retryable).toBe(true);
    await channel.send(sampleEvent(), KEY, signal());
    expect(r.requests.map((q) => q.headers['idempotency-key'])).toEqual([KEY, KEY]);
    expect(r.requests[0]!.raw.equals(r.requests[1]!.raw)).toBe(true);
    expect(r.requests[0]!.headers['x-ratchet-signature']).toBe(r.requests[1]!.headers['x-ratchet-signature']);
  });

  it('does not follow redirects (the signed body must not go elsewhere)', async () => {
    const target = await receiver([{ status: 200 }]);
    const r = await receiver([{ status: 307, headers: { Location: target.url } }]);
    const err = await sendError(createWebhookChannel({ id: '2:webhook', url: r.url, secret: SECRET }).send(sampleEvent(), KEY, signal()));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/redirects are not followed/);
    expect(target.requests).toHaveLength(0);
  });

  it('classifies timeouts and refused connections as retryable, without the URL', async () => {
    const slow = await receiver([{ status: 200, delayMs: 2_000 }], '/hook?token=query-token-123456789');
    const timeout = await sendError(createWebhookChannel({ id: '2:webhook', url: slow.url, timeoutMs: 200 }).send(sampleEvent(), KEY, signal()));
    expect(timeout.kind).toBe('timeout');
    expect(timeout.retryable).toBe(true);
    expect(timeout.message).not.toContain('query-token');

    const gone = await receiver([{ status: 200 }], '/hook?token=query-token-123456789');
    const url = gone.url;
    await gone.close();
    receivers.splice(receivers.indexOf(gone), 1);
    const refused = await sendError(createWebhookChannel({ id: '2:webhook', url }).send(sampleEvent(), KEY, signal()));
    expect(refused.kind).toBe('network');
    expect(refused.retryable).toBe(true);
    expect(refused.message).toBe(`2:webhook POST to ${new URL(url).host} failed: ECONNREFUSED`);
  });

  it('stops when the dispatcher aborts', async () => {
    const slow = await receiver([{ status: 200, delayMs: 2_000 }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await sendError(createWebhookChannel({ id: '2:webhook', url: slow.url }).send(sampleEvent(), KEY, ac.signal));
    expect(err.kind).toBe('timeout');
  });
});
