/**
 * Microsoft Teams through a Power Automate "Workflows" webhook (the "When a Teams webhook request is received"
 * trigger / "Send webhook alerts to a channel" template) — the replacement for the retired Office 365 connectors.
 * Workflows accept Adaptive Cards only (not the old MessageCard), wrapped as a message with one attachment:
 *   { "type": "message", "attachments": [ { "contentType": "application/vnd.microsoft.card.adaptive",
 *     "contentUrl": null, "content": { "type": "AdaptiveCard", "version": "1.4", "body": [...], "actions": [...] } } ] }
 * The flow answers 202 Accepted when it has queued the run. 202 means "accepted by the flow", not "posted": a flow
 * that later fails (a deleted channel, a card Teams rejects) shows in the flow's run history, not to us.
 *
 * The URL (with its `sig` query parameter) is a bearer credential: it is registered as a secret by createChannels
 * and only its host ever appears in messages.
 */
import type { AlertEvent } from '../domain/episode.js';
import type { AlertChannel } from './channel.js';
import { chatWebhookChannel, type ChatWebhookOptions } from './http.js';
import { escapeCardMarkdown as md, renderAlert, type AlertView } from './render.js';

export type TeamsChannelOptions = ChatWebhookOptions;

type CardElement = Record<string, unknown>;

const COLOR = { bad: 'Attention', warning: 'Warning', good: 'Good' } as const;

/** The Adaptive Card (1.4: what every current Teams client renders) for one alert. */
export function teamsCard(view: AlertView): Record<string, unknown> {
  const body: CardElement[] = [
    { type: 'TextBlock', text: md(view.title), size: 'Large', weight: 'Bolder', color: COLOR[view.tone], wrap: true },
    { type: 'TextBlock', text: md(view.summary), wrap: true, spacing: 'Small' },
    { type: 'FactSet', facts: view.facts.map((f) => ({ title: md(f.label), value: md(f.value) })) },
  ];
  for (const d of view.drops) {
    body.push({ type: 'TextBlock', text: md(d.heading), weight: 'Bolder', wrap: true, spacing: 'Medium', separator: true });
    if (d.rules.length > 0) {
      body.push({
        type: 'FactSet',
        facts: d.rules.map((r) => ({
          title: md(r.ruleId),
          value: md(`${r.from} → ${r.to} · observed: ${r.observed || '—'} · expected: ${r.expected || '—'}`),
        })),
      });
    }
  }
  if (view.lostKeys.length > 0) {
    body.push({ type: 'TextBlock', text: 'Evidence no longer available', weight: 'Bolder', wrap: true, spacing: 'Medium', separator: true });
    body.push({ type: 'FactSet', facts: view.lostKeys.map((k) => ({ title: md(k), value: 'unavailable' })) });
  }
  if (view.omitted) body.push({ type: 'TextBlock', text: md(view.omitted), isSubtle: true, wrap: true, spacing: 'Medium' });
  body.push({ type: 'TextBlock', text: 'See the evidence:', isSubtle: true, wrap: true, spacing: 'Medium', separator: true });
  // TextBlocks are markdown even in a monospace font, so the command is escaped like the rest.
  body.push({ type: 'TextBlock', text: md(view.command), fontType: 'Monospace', isSubtle: true, wrap: true, spacing: 'None' });

  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    // Teams-specific: use the full message width, so fact values are not squeezed.
    msteams: { width: 'Full' },
  };
  if (view.link) card.actions = [{ type: 'Action.OpenUrl', title: 'Open the evidence', url: view.link }];
  return card;
}

export function teamsPayload(event: AlertEvent): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: teamsCard(renderAlert(event)) }],
  };
}

export function createTeamsChannel(opts: TeamsChannelOptions): AlertChannel {
  return chatWebhookChannel('teams', opts, teamsPayload);
}
