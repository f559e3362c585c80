/**
 * Builds the alert channels from config `alerts[]`. A channel's id is `<index>:<type>` — the key stored in every
 * outbox row — so reordering `alerts[]` orphans queued rows (the dispatcher then marks them failed, loudly) rather
 * than sending them to a different destination.
 *
 * Every credential-bearing value is registered with the log scrubber here, before any channel can fail: Teams and
 * Slack URLs (the whole URL is the credential, and so is its token path segment), a generic webhook's URL and its
 * query tokens, the HMAC secret and the SMTP password.
 */
import type { RatchetConfig } from '../config/schema.js';
import { registerSecret } from '../log/secrets.js';
import type { AlertChannel } from './channel.js';
import { createEmailChannel } from './email.js';
import { createSlackChannel } from './slack.js';
import { createTeamsChannel } from './teams.js';
import { createWebhookChannel } from './webhook.js';

export type AlertConfig = RatchetConfig['alerts'][number];

export interface CreateChannelsOptions {
  /** Per-request timeout for HTTP receivers and SMTP (ms). */
  timeoutMs?: number;
  /** Clock for `X-Ratchet-Timestamp`. */
  now?: () => Date;
}

const SECRETISH_PARAM = /sig|token|key|secret|code|pass|auth|signature/i;

/** Registers a URL and the parts of it that could leak on their own. */
function registerUrl(url: string, wholePathIsSecret: boolean): void {
  registerSecret(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  // The URL as axios or a proxy might print it (normalised), and without its query.
  registerSecret(u.toString());
  for (const [name, value] of u.searchParams) {
    if (SECRETISH_PARAM.test(name) || value.length >= 16) registerSecret(value);
  }
  if (u.password) registerSecret(decodeURIComponent(u.password));
  if (wholePathIsSecret) {
    // Slack: /services/T…/B…/<24-char token>; Workflows: /workflows/<id>/triggers/…
    if (u.pathname.length >= 20) registerSecret(u.pathname);
    for (const segment of u.pathname.split('/')) if (segment.length >= 20) registerSecret(segment);
  }
}

export function channelId(index: number, type: AlertConfig['type']): string {
  return `${index}:${type}`;
}

export function createChannels(alerts: readonly AlertConfig[], opts: CreateChannelsOptions = {}): AlertChannel[] {
  return alerts.map((cfg, index) => {
    const id = channelId(index, cfg.type);
    switch (cfg.type) {
      case 'teams':
        registerUrl(cfg.url, true);
        return createTeamsChannel({ id, url: cfg.url, timeoutMs: opts.timeoutMs });
      case 'slack':
        registerUrl(cfg.url, true);
        return createSlackChannel({ id, url: cfg.url, timeoutMs: opts.timeoutMs });
      case 'webhook':
        registerUrl(cfg.url, false);
        registerSecret(cfg.secret);
        return createWebhookChannel({ id, url: cfg.url, secret: cfg.secret, timeoutMs: opts.timeoutMs, now: opts.now });
      case 'email':
        registerSecret(cfg.password);
        return createEmailChannel({
          id,
          host: cfg.host,
          port: cfg.port,
          secure: cfg.secure,
          username: cfg.username,
          password: cfg.password,
          from: cfg.from,
          to: cfg.to,
          timeoutMs: opts.timeoutMs,
        });
    }
  });
}
