/**
 * Email over SMTP with nodemailer: a text part and an HTML part built here with every value escaped (tenant data is
 * untrusted and mail clients render HTML), a Message-ID derived from the delivery's idempotency key — so a retry
 * after a lost reply is the same message to the receiving side and threading/dedup can recognise it — and
 * `Auto-Submitted: auto-generated` (RFC 3834) so out-of-office responders do not answer alerts.
 *
 * Transport security: `secure: true` is implicit TLS (port 465); otherwise nodemailer upgrades with STARTTLS when the
 * server offers it. Certificates are always verified. When a password is configured and the connection is not
 * implicit TLS, STARTTLS is required (`requireTLS`), so credentials are never sent in clear to a remote server —
 * except to a loopback relay, where there is no wire to sniff.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AlertEvent } from '../domain/episode.js';
import type { AlertChannel } from './channel.js';
import { AlertDeliveryError, answerSnippet } from './errors.js';
import { escapeHtml as h, renderAlert, type AlertView } from './render.js';

export interface EmailChannelOptions {
  id: string;
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  password?: string;
  from: string;
  to: string[];
  /** Upper bound for connecting, the greeting and each socket read. */
  timeoutMs?: number;
}

export const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const COLOR = { bad: '#b3261e', warning: '#8a5300', good: '#1e7b34' } as const;

export function emailHtml(view: AlertView): string {
  const row = (label: string, value: string) =>
    `<tr><th align="left" style="padding:2px 12px 2px 0;font-weight:600;vertical-align:top">${h(label)}</th><td style="padding:2px 0">${h(value)}</td></tr>`;
  const parts: string[] = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>' + h(view.title) + '</title></head>',
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1b1b1b">',
    `<h2 style="color:${COLOR[view.tone]};margin:0 0 8px">${h(view.title)}</h2>`,
    `<p style="margin:0 0 12px">${h(view.summary)}</p>`,
    `<table role="presentation" style="border-collapse:collapse;margin-bottom:12px">${view.facts.map((f) => row(f.label, f.value)).join('')}</table>`,
  ];
  if (view.drops.length > 0) {
    parts.push('<h3 style="margin:12px 0 4px">What changed</h3>');
    for (const d of view.drops) {
      parts.push(`<p style="margin:8px 0 4px;font-weight:600">${h(d.heading)}</p>`);
      if (d.rules.length > 0) {
        parts.push(
          '<table style="border-collapse:collapse" cellpadding="4" border="1"><tr><th align="left">Rule</th><th align="left">Outcome</th><th align="left">Observed</th><th align="left">Expected</th></tr>',
          ...d.rules.map(
            (r) => `<tr><td><code>${h(r.ruleId)}</code></td><td>${h(r.from)} → ${h(r.to)}</td><td>${h(r.observed || '—')}</td><td>${h(r.expected || '—')}</td></tr>`,
          ),
          '</table>',
        );
      }
    }
  }
  if (view.lostKeys.length > 0) {
    parts.push('<h3 style="margin:12px 0 4px">Evidence no longer available</h3>', `<ul>${view.lostKeys.map((k) => `<li><code>${h(k)}</code></li>`).join('')}</ul>`);
  }
  if (view.omitted) parts.push(`<p style="margin:12px 0 0;color:#555"><em>${h(view.omitted)}</em></p>`);
  parts.push('<h3 style="margin:12px 0 4px">See the evidence</h3>');
  // view.link is an absolute http(s) URL (render.safeLink), so no javascript: target can get into the href.
  if (view.link) parts.push(`<p style="margin:0 0 4px"><a href="${h(view.link)}">${h(view.link)}</a></p>`);
  parts.push(`<p style="margin:0"><code>${h(view.command)}</code></p>`, '</body></html>');
  return parts.join('\n');
}

export function emailContent(event: AlertEvent): EmailContent {
  const view = renderAlert(event);
  return { subject: `[Ratchet] ${view.title}`, text: view.text, html: emailHtml(view) };
}

/** Header-safe (printable ASCII, no spaces) form of an idempotency key. */
function headerToken(s: string): string {
  return s.replace(/[^\x21-\x7e]/g, '_').slice(0, 200);
}

/** `<hash@domain-of-from>`: the same key always gives the same Message-ID. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'ratchet.invalid';
  return `<ratchet.${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

function classify(channel: string, where: string, err: unknown): AlertDeliveryError {
  const e = (err ?? {}) as SmtpError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const detail = `${channel} SMTP to ${where} failed: ${code ?? 'error'}${answerSnippet(e.message ?? '') ? `: ${answerSnippet(e.message ?? '')}` : ''}`;
  // An SMTP reply decides first: 4xx is "try again later" (RFC 5321 §4.2.1), 5xx is final.
  if (reply !== null && reply >= 400 && reply < 500) return new AlertDeliveryError(channel, 'server', detail, reply);
  if (reply !== null && reply >= 500) return new AlertDeliveryError(channel, 'rejected', detail, reply);
  if (/certificate/i.test(e.message ?? '')) {
    return new AlertDeliveryError(channel, 'tls', `${detail} (the SMTP server's certificate is not trusted; add its CA through NODE_EXTRA_CA_CERTS)`);
  }
  switch (code) {
    case 'ETIMEDOUT':
    case 'EABORT':
      return new AlertDeliveryError(channel, 'timeout', detail);
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'EPROXY':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return new AlertDeliveryError(channel, 'network', detail);
    case 'EAUTH':
    case 'ENOAUTH':
    case 'ETLS':
    case 'EREQUIRETLS':
    case 'EENVELOPE':
    case 'ECONFIG':
    case 'EFILEACCESS':
    case 'EURLACCESS':
      return new AlertDeliveryError(channel, 'rejected', detail);
    default:
      // Unknown: assume transient; the outbox still gives up after maxAttempts, loudly.
      return new AlertDeliveryError(channel, 'network', detail);
  }
}

/**
 * The SMTP transport of an e-mail relay config, shared by alerts and scheduled reports: STARTTLS required whenever
 * credentials travel to a relay that is not on loopback, and no transport logging (the conversation holds AUTH).
 */
export function createSmtpTransport(opts: { host: string; port: number; secure: boolean; username?: string; password?: string; timeoutMs?: number }) {
  const timeout = opts.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  const auth = opts.username ? { user: opts.username, pass: opts.password ?? '' } : undefined;
  return nodemailer.createTransport({
    host: opts.host,
    port: opts.port,
    secure: opts.secure,
    requireTLS: Boolean(auth) && !opts.secure && !isLoopback(opts.host),
    auth,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
    debug: false,
  });
}

export function createEmailChannel(opts: EmailChannelOptions): AlertChannel {
  const transport = createSmtpTransport(opts);
  const where = `${opts.host}:${opts.port}`;
  return {
    id: opts.id,
    type: 'email',
    target: where,
    async send(event, idempotencyKey, signal) {
      const content = emailContent(event);
      try {
        await transport.sendMail({
          from: opts.from,
          to: opts.to,
          subject: content.subject,
          text: content.text,
          html: content.html,
          messageId: messageIdFor(idempotencyKey, opts.from),
          headers: {
            'X-Ratchet-Idempotency-Key': headerToken(idempotencyKey),
            'X-Ratchet-Event': event.kind,
            'Auto-Submitted': 'auto-generated',
          },
          // Nothing in an alert is a file or URL to fetch; refuse if anything ever looks like one.
          disableFileAccess: true,
          disableUrlAccess: true,
          signal,
        });
      } catch (err) {
        throw classify(opts.id, where, err);
      }
    },
  };
}
