/**
 * Slack through an incoming webhook (https://hooks.slack.com/services/T…/B…/…): POST `{ text, blocks }` with Block
 * Kit blocks. Slack answers 200 `ok`; errors come as 4xx plain text (`invalid_payload`, `no_text`, `invalid_blocks`,
 * 403 `invalid_token` / `action_prohibited`, 404 `no_service` / `channel_not_found`, 410 `channel_is_archived`) —
 * all permanent until someone fixes the config — and 429 with Retry-After when rate limited (about one message per
 * second per webhook).
 *
 * Escaping: mrkdwn text gets `&`, `<`, `>` entity-escaped (the only characters Slack parses into links and mentions
 * such as `<!channel>`) and `verbatim: true`, so a bare URL or `#channel` in a tenant's data is not turned into a
 * link either. The header is `plain_text`, which Slack never parses, so it carries the title as is.
 *
 * The webhook URL is a bearer credential: registered as a secret by createChannels; only the host is ever shown.
 */
import type { AlertEvent } from '../domain/episode.js';
import type { AlertChannel } from './channel.js';
import { chatWebhookChannel, type ChatWebhookOptions } from './http.js';
import { escapeSlack as esc, renderAlert, type AlertView } from './render.js';

export type SlackChannelOptions = ChatWebhookOptions;

// Block Kit limits: header text 150, section text 3000, a field 2000, 10 fields, 50 blocks.
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const mrkdwn = (text: string, max = 3000) => ({ type: 'mrkdwn', text: clip(text, max), verbatim: true });

const ICON = { bad: ':rotating_light:', warning: ':warning:', good: ':white_check_mark:' } as const;

/** `<url|label>` with the characters that would end the link token encoded. */
function slackLink(url: string, label: string): string {
  const safeUrl = url.replace(/&/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
  return `<${safeUrl}|${esc(label)}>`;
}

/** Inline code cannot contain a backtick; swap it for a look-alike so the span cannot be closed early. */
const code = (s: string): string => `\`${esc(s.replace(/`/g, 'ˋ'))}\``;

export function slackPayload(event: AlertEvent): { text: string; blocks: Array<Record<string, unknown>> } {
  const view: AlertView = renderAlert(event);
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(view.title, 150), emoji: false } },
    {
      type: 'section',
      text: mrkdwn(`${ICON[view.tone]} ${esc(view.summary)}`),
      fields: view.facts.slice(0, 10).map((f) => mrkdwn(`*${esc(f.label)}*\n${esc(f.value)}`, 2000)),
    },
  ];
  // Leave room for the lost-keys section, the context and the divider.
  for (const d of view.drops.slice(0, 40)) {
    const lines = [`*${esc(d.heading)}*`];
    for (const r of d.rules) {
      lines.push(`• ${code(r.ruleId)} ${esc(r.from)} → ${esc(r.to)} — observed: ${esc(r.observed || '—')}; expected: ${esc(r.expected || '—')}`);
    }
    blocks.push({ type: 'section', text: mrkdwn(lines.join('\n')) });
  }
  if (view.lostKeys.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(['*Evidence no longer available*', ...view.lostKeys.map((k) => `• ${code(k)}`)].join('\n')) });
  }
  if (view.omitted) blocks.push({ type: 'section', text: mrkdwn(`_${esc(view.omitted)}_`) });
  const where = [view.link ? `${slackLink(view.link, 'Open the evidence')}` : null, code(view.command)].filter(Boolean).join('  ·  ');
  blocks.push({ type: 'divider' }, { type: 'context', elements: [mrkdwn(`See the evidence: ${where}`)] });
  // `text` is the notification and screen-reader fallback; it is mrkdwn too, so it is escaped.
  return { text: clip(esc(view.title), 3000), blocks };
}

export function createSlackChannel(opts: SlackChannelOptions): AlertChannel {
  return chatWebhookChannel('slack', opts, slackPayload);
}
