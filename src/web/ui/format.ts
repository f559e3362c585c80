/**
 * Formatting helpers the templates call as `it.f.*`. They return plain strings; the template engine escapes every
 * interpolation, so nothing here produces markup.
 */
import { CAPABILITIES, LEVEL_NAMES, type Outcome } from '../../domain/assessment.js';
import { E8_ATTESTATION_KINDS, type AttestationKind, type AttestationStatus, type E8AttestationKind } from '../../domain/attestation.js';

const E8_STRATEGY_LABELS: Record<string, string> = {
  patch_applications: 'Patch applications',
  patch_os: 'Patch operating systems',
  mfa: 'Multi-factor authentication',
  admin_privileges: 'Restrict administrative privileges',
  application_control: 'Application control',
  office_macros: 'Restrict Microsoft Office macros',
  app_hardening: 'User application hardening',
  backups: 'Regular backups',
};

/** "E8 · Application control · ML2": what a technician verified that Ratchet cannot read (rules/frameworks/essential-eight.yaml). */
const E8_LABELS = Object.fromEntries(
  E8_ATTESTATION_KINDS.map((kind) => {
    const [, strategy = kind, level = '?'] = /^e8_(.+)_ml(\d)$/.exec(kind) ?? [];
    const name = E8_STRATEGY_LABELS[strategy] ?? strategy;
    return [kind, { label: `E8 · ${name} · ML${level}`, hint: `Essential Eight: the ${name.toLowerCase()} requirements of maturity level ${level} (and below) that Ratchet cannot read were verified.` }];
  }),
) as Record<E8AttestationKind, { label: string; hint: string }>;

const OUTCOME_LABELS: Record<Outcome, string> = {
  pass: 'Pass',
  partial: 'Partial',
  fail: 'Fail',
  unknown: 'Unknown',
  not_applicable: 'Not applicable',
};

export const ATTESTATION_LABELS: Record<AttestationKind, { label: string; hint: string }> = {
  documented_policies: { label: 'Documented policies', hint: 'Security and acceptable-use policies are written down and approved.' },
  dr_plan: { label: 'Disaster recovery plan', hint: 'A DR plan exists, names owners, and states recovery objectives.' },
  restore_test: { label: 'Restore test', hint: 'A restore from backup was tested end to end and the result recorded.' },
  strategy_review: { label: 'IT strategy review', hint: 'A periodic IT strategy / roadmap review was held with the client.' },
  incident_response_plan: { label: 'Incident response plan', hint: 'An incident response plan exists and names contacts.' },
  it_owner: { label: 'Named IT owner', hint: 'The client has a named person accountable for IT.' },
  ...E8_LABELS,
};

const STATUS_LABELS: Record<AttestationStatus, string> = { valid: 'Valid', expired: 'Expired', revoked: 'Revoked' };

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const f = {
  /** `2026-11-25 16:04 UTC` — server-side rendering is in UTC; app.js adds the viewer's local time. */
  time(iso: string | null | undefined): string {
    const d = parse(iso);
    if (!d) return '—';
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  },
  date(iso: string | null | undefined): string {
    const d = parse(iso);
    if (!d) return '—';
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  },
  /** Relative age against `now` ("3 h ago", "in 12 d"). */
  ago(iso: string | null | undefined, now: Date = new Date()): string {
    const d = parse(iso);
    if (!d) return '';
    const s = Math.round((now.getTime() - d.getTime()) / 1000);
    const abs = Math.abs(s);
    const unit = abs < 90 ? 'just now' : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 129600 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
    if (unit === 'just now') return unit;
    return s >= 0 ? `${unit} ago` : `in ${unit}`;
  },
  score(n: number | null | undefined): string {
    return n === null || n === undefined || Number.isNaN(n) ? '—' : (Math.round(n * 10) / 10).toFixed(1).replace(/\.0$/, '');
  },
  /** A 0..1 fraction as a whole percentage. */
  pct(fraction: number | null | undefined): string {
    return fraction === null || fraction === undefined ? '—' : `${Math.round(fraction * 100)} %`;
  },
  int(n: number): string {
    return n.toLocaleString('en-US');
  },
  levelName(level: number | null | undefined): string {
    return level === null || level === undefined ? 'Not scanned' : (LEVEL_NAMES[level] ?? `Level ${level}`);
  },
  /** CSS class of a level badge; `lvl-none` when the tenant has no scan. */
  levelClass(level: number | null | undefined): string {
    return level === null || level === undefined ? 'lvl-none' : `lvl-${Math.min(5, Math.max(1, Math.round(level)))}`;
  },
  outcome(o: string): string {
    return OUTCOME_LABELS[o as Outcome] ?? o;
  },
  outcomeClass(o: string): string {
    return `oc-${o in OUTCOME_LABELS ? o.replace('_', '-') : 'unknown'}`;
  },
  capabilityName(id: string): string {
    return CAPABILITIES.find((c) => c.id === id)?.name ?? id;
  },
  attestationKind(kind: string): string {
    return ATTESTATION_LABELS[kind as AttestationKind]?.label ?? kind;
  },
  attestationStatus(s: string): string {
    return STATUS_LABELS[s as AttestationStatus] ?? s;
  },
  /** A JSON-ish rendering of an evidence value that is not a scalar (objects, lists of objects). */
  value(v: unknown): string {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
    return JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ');
  },
  /** Splits a camelCase evidence field into words ("nonCompliantTotal" → "non compliant total"). */
  field(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  },
  plural(n: number, one: string, many = `${one}s`): string {
    return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  },
};

export type Formatters = typeof f;
