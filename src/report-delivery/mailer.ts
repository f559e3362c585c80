/**
 * Sends a rendered client report through the e-mail channel of `alerts[]` (its relay, TLS and credentials; the
 * report's own recipients) with the document attached. The Message-ID derives from the delivery's idempotency key,
 * as for alerts, so a re-send after a lost reply is recognisably the same message.
 *
 * Transport security as in alerts/email.ts: implicit TLS or STARTTLS when offered, certificates always verified,
 * STARTTLS required when a password would otherwise cross a non-loopback wire.
 */
import { createSmtpTransport, messageIdFor } from '../alerts/email.js';
import { AlertDeliveryError } from '../alerts/errors.js';
import type { RatchetConfig } from '../config/schema.js';
import { registerSecret } from '../log/secrets.js';

export type EmailAlertConfig = Extract<RatchetConfig['alerts'][number], { type: 'email' }>;

/** A report ready to mail. */
export interface RenderedReport {
  subject: string;
  /** The short body; the report itself is the attachment. */
  text: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface ReportMailer {
  /** `host:port`, for logs. */
  target: string;
  send(report: RenderedReport, to: readonly string[], idempotencyKey: string, signal: AbortSignal): Promise<void>;
}

const CHANNEL = 'reports:email';

/** SMTP 4xx and connection trouble are worth a retry; a 5xx reply, bad auth or TLS refusal are not. */
function classify(where: string, err: unknown): AlertDeliveryError {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'error';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : null;
  const detail = `report e-mail to ${where} failed: ${code}${reply !== null ? ` (SMTP ${reply})` : ''}`;
  if (reply !== null && reply >= 400 && reply < 500) return new AlertDeliveryError(CHANNEL, 'server', detail, reply);
  if (reply !== null && reply >= 500) return new AlertDeliveryError(CHANNEL, 'rejected', detail, reply);
  if (['EAUTH', 'ENOAUTH', 'ETLS', 'EREQUIRETLS', 'EENVELOPE', 'ECONFIG'].includes(code)) return new AlertDeliveryError(CHANNEL, 'rejected', detail);
  if (code === 'ETIMEDOUT' || code === 'EABORT') return new AlertDeliveryError(CHANNEL, 'timeout', detail);
  return new AlertDeliveryError(CHANNEL, 'network', detail);
}

/** The e-mail channel reports go through: the first `type: email` entry of `alerts[]`, or null. */
export function reportEmailChannel(alerts: RatchetConfig['alerts']): EmailAlertConfig | null {
  return alerts.find((a): a is EmailAlertConfig => a.type === 'email') ?? null;
}

export function createReportMailer(cfg: EmailAlertConfig, opts: { timeoutMs?: number } = {}): ReportMailer {
  registerSecret(cfg.password);
  const transport = createSmtpTransport({ ...cfg, timeoutMs: opts.timeoutMs ?? 30_000 });
  const where = `${cfg.host}:${cfg.port}`;
  return {
    target: where,
    async send(report, to, idempotencyKey, signal) {
      try {
        await transport.sendMail({
          from: cfg.from,
          to: [...to],
          subject: report.subject,
          text: report.text,
          attachments: [{ filename: report.filename, content: report.content, contentType: report.contentType }],
          messageId: messageIdFor(idempotencyKey, cfg.from),
          headers: { 'X-Ratchet-Idempotency-Key': idempotencyKey.replace(/[^\x21-\x7e]/g, '_').slice(0, 200), 'Auto-Submitted': 'auto-generated' },
          disableFileAccess: true,
          disableUrlAccess: true,
          signal,
        });
      } catch (err) {
        throw classify(where, err);
      }
    },
  };
}
