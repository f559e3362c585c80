/**
 * At-risk notices (DESIGN §14) are opt-in per channel: only channels with `atRisk: true` get them; every other
 * event still goes everywhere. And what the notice says, in every medium.
 */
import { describe, expect, it } from 'vitest';
import type { RatchetConfig } from '../config/schema.js';
import type { ForecastEntry } from '../domain/forecast.js';
import { channelsFor } from './at-risk-channels.js';
import { channelId } from './channels.js';
import { renderAlert } from './render.js';
import { slackPayload } from './slack.js';
import { teamsPayload } from './teams.js';
import { sampleEvent } from './test-support.js';
import { sampleForecast } from '../foresight/test-support.js';

const alerts = [
  { type: 'teams', url: 'https://example.webhook.office.com/a' },
  { type: 'slack', url: 'https://hooks.slack.com/services/x', atRisk: true },
  { type: 'webhook', url: 'https://psa.example/hook', atRisk: false },
  { type: 'email', host: 'smtp.example', port: 587, secure: false, from: 'r@x', to: ['ops@x'], atRisk: true },
] as RatchetConfig['alerts'];
const ids = alerts.map((a, i) => channelId(i, a.type));

describe('channelsFor', () => {
  it('sends at-risk notices and their end only to the channels that opted in', () => {
    expect(channelsFor('at_risk', ids, alerts)).toEqual(['1:slack', '3:email']);
    expect(channelsFor('at_risk_cleared', ids, alerts)).toEqual(['1:slack', '3:email']);
  });

  it('sends every other event to every channel, opted in or not', () => {
    for (const kind of ['regression', 'recovery', 'lost_visibility', 'visibility_restored'] as const) expect(channelsFor(kind, ids, alerts)).toEqual(ids);
  });

  it('sends no at-risk notice when no channel opted in, or the config has no alerts section', () => {
    expect(channelsFor('at_risk', ids.slice(0, 1), alerts)).toEqual([]);
    expect(channelsFor('at_risk', ids, undefined)).toEqual([]);
  });

  it('matches by index and type: a channel id that no longer matches its config entry gets nothing', () => {
    expect(channelsFor('at_risk', ['1:teams', '3:email'], alerts)).toEqual(['3:email']);
  });
});

const forecast: ForecastEntry[] = [sampleForecast({ projectedCrossing: '2026-01-14', projection: [] })];

describe('renderAlert: at risk', () => {
  const event = sampleEvent({ kind: 'at_risk', drops: [], previousLevel: 3, previousLevelName: 'Defined', currentLevel: 3, currentLevelName: 'Defined', forecast });

  it('says it is an early warning, not a regression, with the forecast in plain words', () => {
    const view = renderAlert(event);
    expect(view.title).toBe('Contoso Ltd: at risk of slipping (1 gate)');
    expect(view.tone).toBe('warning');
    expect(view.summary).toMatch(/not a regression/);
    expect(view.facts).toContainEqual({ label: 'At risk', value: forecast[0]!.text });
    expect(view.text).toContain(`At risk: ${forecast[0]!.text}`);
    expect(view.text).not.toMatch(/confirmed regression|slipped from|What changed/);
  });

  it('reaches Teams and Slack through the facts every medium renders', () => {
    expect(JSON.stringify(teamsPayload(event))).toContain('crosses the level-3 gate of 95 %');
    expect(JSON.stringify(slackPayload(event))).toContain('crosses the level-3 gate of 95 %');
  });

  it('the end of a notice says so', () => {
    const view = renderAlert({ ...event, kind: 'at_risk_cleared' });
    expect(view.title).toBe('Contoso Ltd: no longer at risk');
    expect(view.tone).toBe('good');
    expect(view.facts.some((f) => f.label === 'At risk')).toBe(false);
  });
});
