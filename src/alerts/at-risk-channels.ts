/**
 * Which alert channels an event goes to. Foresight's at-risk notices (DESIGN §14) are an early warning, not a
 * regression: they go only to channels whose config says `atRisk: true`; every other event goes to every channel.
 * A channel is matched by its id (`<index>:<type>`, channels.ts), so a reordered `alerts[]` can never send an at-risk
 * notice to a channel that did not opt in.
 */
import type { RatchetConfig } from '../config/schema.js';
import type { AlertEventKind } from '../domain/episode.js';
import { channelId } from './channels.js';

const AT_RISK_KINDS: ReadonlySet<AlertEventKind> = new Set(['at_risk', 'at_risk_cleared']);

export function isAtRiskEvent(kind: AlertEventKind): boolean {
  return AT_RISK_KINDS.has(kind);
}

export function channelsFor(kind: AlertEventKind, channelIds: readonly string[], alerts: RatchetConfig['alerts'] | undefined): string[] {
  if (!isAtRiskEvent(kind)) return [...channelIds];
  const optedIn = new Set((alerts ?? []).flatMap((a, i) => (a.atRisk === true ? [channelId(i, a.type)] : [])));
  return channelIds.filter((c) => optedIn.has(c));
}
