/**
 * What `ratchet tenants map --account ID` works on and what it would write (DESIGN §12), pure: which configured
 * tenants the account concerns, the report of the matcher's verdicts, and the YAML edits of the sure ones.
 *
 * A tenant is considered when its section of the account's kind (rmm or backup) draws on that account (mapped) or
 * when it has no such section yet (a proposal adds `rmm: { account: ID, organizationId: N }`). A tenant whose
 * section uses another account, or its own credentials, belongs elsewhere and is only counted.
 */
import type { PortfolioClient } from '../collector-kit/plugin.js';
import type { TenantOrigin } from '../config/load.js';
import type { TenantConfig } from '../config/schema.js';
import { meets, type Confidence, type MatchResult } from './match.js';
import type { MappingEdit } from './write-mappings.js';

export interface MapTarget {
  accountId: string;
  provider: string;
  section: 'rmm' | 'backup';
  /** The field a proposal fills (the plugin's `portfolio.scopeField`). */
  scopeField: string;
}

export interface ConsideredTenant {
  tenant: TenantConfig;
  origin: TenantOrigin;
  /** Set when the tenant's section already draws on the account. */
  mappedScope?: string | number | Array<string | number>;
}

export interface TenantSelection {
  considered: ConsideredTenant[];
  /** Tenants whose section of this kind uses something else: `account other-msp` or `its own credentials`. */
  elsewhere: Array<{ id: string; uses: string }>;
}

type Scope = string | number | Array<string | number>;

function scopeOf(section: unknown, field: string): Scope | undefined {
  const v = (section as Record<string, unknown> | undefined)?.[field];
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v as Array<string | number>;
  return undefined;
}

export function selectTenants(tenants: readonly TenantConfig[], origins: readonly TenantOrigin[], target: MapTarget): TenantSelection {
  const considered: ConsideredTenant[] = [];
  const elsewhere: TenantSelection['elsewhere'] = [];
  tenants.forEach((tenant, i) => {
    const origin = origins[i] ?? { path: [], accounts: {}, m365FromDefaults: false };
    const section = tenant[target.section];
    if (section === undefined) {
      considered.push({ tenant, origin });
      return;
    }
    const account = origin.accounts[target.section];
    if (account === target.accountId) {
      considered.push({ tenant, origin, mappedScope: scopeOf(section, target.scopeField) });
      return;
    }
    elsewhere.push({ id: tenant.id, uses: account ? `account ${account}` : 'its own credentials' });
  });
  return { considered, elsewhere };
}

export interface CandidateRow {
  scope: string | number;
  name: string;
  confidence: Confidence;
  reason: string;
}

export interface TenantRow {
  id: string;
  name: string;
  status: 'mapped' | 'proposed' | 'ambiguous' | 'unmatched';
  /** The mapped or proposed scope. */
  scope?: Scope;
  /** The vendor's name of the mapped or proposed client. */
  client?: string;
  confidence?: Confidence;
  reason: string;
  /** A mapped tenant whose mapping deserves a look. */
  problem?: 'scope-missing' | 'name-differs';
  candidates?: CandidateRow[];
  /** The tenant's own domains used for matching ([] when not looked up or none). */
  domains: string[];
}

export interface MapReport {
  account: { id: string; provider: string; section: 'rmm' | 'backup'; scopeField: string };
  clients: number;
  tenants: TenantRow[];
  unclaimed: Array<{ scope: string | number; name: string; note?: string }>;
  elsewhere: TenantSelection['elsewhere'];
  /** Tenants whose domains could not be read (matching went on by name). */
  domainErrors: Array<{ tenant: string; error: string }>;
  /** What `--write` wrote (`done`), or would write on a dry run, and the tenants it leaves with the reason. */
  write?: {
    done: boolean;
    minConfidence: Confidence;
    edits: Array<{ tenant: string; file: string; section: string; value: Record<string, unknown> }>;
    left: Array<{ tenant: string; reason: string }>;
  };
}

export function buildReport(target: MapTarget, clients: readonly PortfolioClient[], result: MatchResult, selection: TenantSelection, domainErrors: MapReport['domainErrors']): MapReport {
  const rows: TenantRow[] = result.tenants.map((m): TenantRow => {
    const base = { id: m.tenant.id, name: m.tenant.name, domains: [...m.tenant.domains] };
    switch (m.kind) {
      case 'mapped':
        return {
          ...base,
          status: 'mapped',
          scope: m.tenant.mappedScope as Scope,
          ...(m.client ? { client: m.client.name } : {}),
          reason: m.detail,
          ...(m.problem ? { problem: m.problem } : {}),
        };
      case 'proposed':
        return { ...base, status: 'proposed', scope: m.candidate.client.scope, client: m.candidate.client.name, confidence: m.candidate.confidence, reason: m.candidate.reason };
      case 'ambiguous':
        return {
          ...base,
          status: 'ambiguous',
          reason: m.detail,
          candidates: m.candidates.map((c) => ({ scope: c.client.scope, name: c.client.name, confidence: c.confidence, reason: c.reason })),
        };
      case 'unmatched':
        return { ...base, status: 'unmatched', reason: 'no client of the account resembles it' };
    }
  });
  return {
    account: { id: target.accountId, provider: target.provider, section: target.section, scopeField: target.scopeField },
    clients: clients.length,
    tenants: rows,
    unclaimed: result.unclaimed.map((c) => ({ scope: c.scope, name: c.name, ...(c.note ? { note: c.note } : {}) })),
    elsewhere: selection.elsewhere,
    domainErrors,
  };
}

/**
 * The edits `--write` makes: each proposal at or above `min` whose tenant lives in a file; every other tenant that
 * is not mapped yet is left, with the reason.
 */
export function plannedEdits(report: MapReport, selection: TenantSelection, min: Confidence): { edits: MappingEdit[]; left: Array<{ tenant: string; reason: string }> } {
  const edits: MappingEdit[] = [];
  const left: Array<{ tenant: string; reason: string }> = [];
  const originOf = new Map(selection.considered.map((c) => [c.tenant.id, c.origin]));
  for (const row of report.tenants) {
    if (row.status === 'mapped') continue;
    if (row.status === 'ambiguous') {
      left.push({ tenant: row.id, reason: `ambiguous: ${row.reason}` });
      continue;
    }
    if (row.status === 'unmatched') {
      left.push({ tenant: row.id, reason: row.reason });
      continue;
    }
    if (!meets(row.confidence!, min)) {
      left.push({ tenant: row.id, reason: `${row.confidence} confidence (${row.reason}), below --min-confidence ${min}` });
      continue;
    }
    const origin = originOf.get(row.id);
    if (!origin?.file) {
      left.push({ tenant: row.id, reason: 'its config was not read from a file' });
      continue;
    }
    edits.push({
      tenantId: row.id,
      file: origin.file,
      path: origin.path,
      section: report.account.section,
      value: { account: report.account.id, [report.account.scopeField]: row.scope },
    });
  }
  return { edits, left };
}
