/**
 * What an alert says (DESIGN §8, the issue): tenant, previous → current level, the rules that changed with observed
 * vs expected, lost evidence keys, and the link or command that shows the evidence. One medium-neutral view is
 * built here; each channel turns it into its own format and escapes for that format at the last moment.
 *
 * Everything from a tenant (its name, rule observations, evidence keys) is untrusted: an MSP does not control what a
 * client calls its tenant or its devices. So the view holds plain text only, already made single-line and bounded
 * (a newline in a name must not start a new markdown line or a fake "Level:" line in the text body), and the
 * escapers below are the only way it reaches a format that interprets markup.
 */
import type { AlertEvent, AlertEventKind } from '../domain/episode.js';

export type AlertTone = 'bad' | 'warning' | 'good';

export interface AlertFact {
  label: string;
  value: string;
}

export interface AlertRuleChange {
  ruleId: string;
  from: string;
  to: string;
  observed: string;
  expected: string;
}

export interface AlertDropView {
  /** "Overall level 3 → 2", "identity score 82.5 → 60". */
  heading: string;
  rules: AlertRuleChange[];
}

/** Plain text, single-line fields (except `text`), not escaped for any medium. */
export interface AlertView {
  kind: AlertEventKind;
  tone: AlertTone;
  /** One line: subject, card title, Slack header. */
  title: string;
  /** One sentence under the title. */
  summary: string;
  tenant: { id: string; name: string };
  /** "3 (Defined) → 2 (Managed)". */
  levelChange: string;
  /** Tenant, level, scan, time: the key/value block of every medium. */
  facts: AlertFact[];
  drops: AlertDropView[];
  lostKeys: string[];
  /** What was left out to keep the alert within size limits, or null. */
  omitted: string | null;
  /** An http(s) link to the evidence, or null (no `server.publicUrl`, or not a web URL). */
  link: string | null;
  /** The command that shows the evidence. */
  command: string;
  /** The whole alert as plain text (email text part, logs). */
  text: string;
}

const MAX_FIELD = 500;
const MAX_DROPS = 20;
const MAX_RULES = 30;
const MAX_LOST_KEYS = 50;

/** Single line, no control or bidi-override characters, bounded: safe to place anywhere in any medium. */
export function oneLine(value: unknown, max = MAX_FIELD): string {
  const s = String(value ?? '')
    // C0/C1 controls (newlines included) and the bidi overrides that can make text read differently than it is.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Slack mrkdwn: `&`, `<` and `>` are the control characters (links, mentions like `<!channel>`). */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML text and double-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Adaptive Card TextBlock/FactSet markdown (a CommonMark subset in Teams): backslash-escape what can open emphasis,
 * a link (`[`…`]`), code, strikethrough or raw HTML anywhere, and a heading or list marker at the start — so a tenant
 * called `**[click](https://x)**` shows exactly that. Input is already single-line (see {@link oneLine}), so no block
 * can be opened by a newline. Ordinary punctuation (`.`, `-`, `(`) is left alone: a Teams client that mishandles an
 * escape then shows a stray backslash only next to hostile characters, not in every date and score.
 */
export function escapeCardMarkdown(s: string): string {
  return s
    .replace(/[\\`*_[\]<>~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#+-])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/** A link we are willing to render as a clickable target: absolute http(s) only (no `javascript:`, no `data:`). */
export function safeLink(link: string | null | undefined): string | null {
  if (!link) return null;
  try {
    const u = new URL(link);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function level(value: number | null, name: string | null): string {
  if (value === null) return 'unknown';
  return name ? `${value} (${oneLine(name, 60)})` : String(value);
}

function round(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function dropHeading(d: AlertEvent['drops'][number]): string {
  return d.kind === 'level' ? `Overall level ${round(d.from)} → ${round(d.to)}` : `${oneLine(d.id, 80)} score ${round(d.from)} → ${round(d.to)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const TONE: Record<AlertEventKind, AlertTone> = {
  regression: 'bad',
  recovery: 'good',
  lost_visibility: 'warning',
  visibility_restored: 'good',
  at_risk: 'warning',
  at_risk_cleared: 'good',
};

const MAX_FORECAST = 10;

export function renderAlert(event: AlertEvent): AlertView {
  const tenant = { id: oneLine(event.tenant.id, 100), name: oneLine(event.tenant.name, 200) || oneLine(event.tenant.id, 100) };
  const prev = level(event.previousLevel, event.previousLevelName);
  const cur = level(event.currentLevel, event.currentLevelName);
  const levelChange = `${prev} → ${cur}`;
  const levelDropped = event.previousLevel !== null && event.currentLevel !== null && event.currentLevel < event.previousLevel;
  // Bounded so every medium stays under its size limit (Teams Workflows cards ~28 KB, Slack 50 blocks): the
  // alert names what changed; the link/command shows all of it.
  let budget = MAX_RULES;
  const drops: AlertDropView[] = event.drops.slice(0, MAX_DROPS).map((d) => {
    const rules = d.rules.slice(0, Math.max(0, budget));
    budget -= rules.length;
    return {
      heading: dropHeading(d),
      rules: rules.map((r) => ({
        ruleId: oneLine(r.ruleId, 100),
        from: oneLine(r.from, 40),
        to: oneLine(r.to, 40),
        observed: oneLine(r.observed, 300),
        expected: oneLine(r.expected, 300),
      })),
    };
  });
  const totalRules = event.drops.reduce((n, d) => n + d.rules.length, 0);
  const shownRules = drops.reduce((n, d) => n + d.rules.length, 0);
  const changedRules = new Set(event.drops.flatMap((d) => d.rules.map((r) => r.ruleId))).size;
  const omittedParts = [
    event.drops.length > drops.length ? plural(event.drops.length - drops.length, 'more drop') : null,
    totalRules > shownRules ? plural(totalRules - shownRules, 'more changed rule') : null,
    event.lostKeys.length > MAX_LOST_KEYS ? plural(event.lostKeys.length - MAX_LOST_KEYS, 'more evidence key') : null,
    (event.forecast?.length ?? 0) > MAX_FORECAST ? plural(event.forecast!.length - MAX_FORECAST, 'more gate at risk', 'more gates at risk') : null,
  ].filter((x): x is string => x !== null);
  const omitted = omittedParts.length > 0 ? `Not shown here: ${omittedParts.join(', ')}. See the evidence for all of it.` : null;
  const lostKeys = event.lostKeys.slice(0, MAX_LOST_KEYS).map((k) => oneLine(k, 120));
  // The plain-words forecast of each gate ("backup success falling ~1.2 points a week; crosses … around 14 Jan").
  const forecast = (event.forecast ?? []).slice(0, MAX_FORECAST).map((f) => oneLine(f.text, 300));
  const firstDrop = drops[0]?.heading;
  const more = event.drops.length > 1 ? ` and ${plural(event.drops.length - 1, 'more drop')}` : '';

  let title: string;
  let summary: string;
  switch (event.kind) {
    case 'regression':
      title = levelDropped
        ? `${tenant.name}: maturity slipped from level ${prev} to ${cur}`
        : `${tenant.name}: maturity regression${firstDrop ? ` (${firstDrop}${more})` : ''}`;
      // A rule can sit under the level drop and its capability's score drop: count it once.
      summary = changedRules > 0 ? `A confirmed regression: ${plural(changedRules, 'rule')} got worse since the last good scan.` : 'A confirmed regression since the last good scan.';
      break;
    case 'recovery':
      title = `${tenant.name}: regression resolved, level ${cur}`;
      summary = 'The tenant is back at its baseline: the regression episode is closed.';
      break;
    case 'lost_visibility':
      title = `${tenant.name}: lost visibility of ${plural(event.lostKeys.length, 'evidence source')}`;
      summary =
        'Ratchet can no longer see this evidence, so the rules that depend on it are unknown. This is not a regression: check permissions, licences and collector health.';
      break;
    case 'visibility_restored':
      title = `${tenant.name}: visibility restored`;
      summary = 'The evidence that had become unavailable is being collected again.';
      break;
    case 'at_risk':
      title = `${tenant.name}: at risk of slipping (${plural(event.forecast?.length ?? 0, 'gate')})`;
      summary = 'An early warning, not a regression: at the current trend, a gate that holds the level is projected to fail within the horizon.';
      break;
    case 'at_risk_cleared':
      title = `${tenant.name}: no longer at risk`;
      summary = 'The trend no longer projects a gate to fail within the horizon: the early warning is closed.';
      break;
  }

  const facts: AlertFact[] = [
    { label: 'Tenant', value: `${tenant.name} (${tenant.id})` },
    { label: 'Level', value: levelChange },
    { label: 'Scan', value: oneLine(event.scanId, 100) },
    { label: 'When', value: oneLine(event.occurredAt, 40) },
    // Facts reach every medium (Teams, Slack, e-mail, webhook text) without each renderer knowing about foresight.
    ...(event.kind === 'at_risk' ? forecast.map((text) => ({ label: 'At risk', value: text })) : []),
  ];
  const view: Omit<AlertView, 'text'> = {
    kind: event.kind,
    tone: TONE[event.kind],
    title: oneLine(title, 250),
    summary,
    tenant,
    levelChange,
    facts,
    drops,
    lostKeys,
    omitted,
    link: safeLink(event.link),
    command: oneLine(event.command, 300),
  };
  return { ...view, text: plainText(view) };
}

export function ruleLine(r: AlertRuleChange): string {
  return `${r.ruleId}: ${r.from} → ${r.to} (observed: ${r.observed || '—'}; expected: ${r.expected || '—'})`;
}

function plainText(v: Omit<AlertView, 'text'>): string {
  const lines = [v.title, '', v.summary, ''];
  const width = Math.max(...v.facts.map((f) => f.label.length)) + 1;
  for (const f of v.facts) lines.push(`${`${f.label}:`.padEnd(width + 1)}${f.value}`);
  if (v.drops.length > 0) {
    lines.push('', 'What changed:');
    for (const d of v.drops) {
      lines.push(`  ${d.heading}`);
      for (const r of d.rules) {
        lines.push(`    - ${r.ruleId}: ${r.from} → ${r.to}`, `        observed: ${r.observed || '—'}`, `        expected: ${r.expected || '—'}`);
      }
    }
  }
  if (v.lostKeys.length > 0) {
    lines.push('', 'Evidence no longer available:');
    for (const k of v.lostKeys) lines.push(`  - ${k}`);
  }
  if (v.omitted) lines.push('', v.omitted);
  lines.push('', 'See the evidence:');
  if (v.link) lines.push(`  ${v.link}`);
  lines.push(`  ${v.command}`);
  return `${lines.join('\n')}\n`;
}
