/**
 * Scope honesty (DESIGN §7): which capabilities take part in a tenant's overall level, and what a missing source
 * means. Identity, endpoint, recovery and monitoring are in scope for every tenant unless its config declares one
 * out of scope with a reason. An in-scope capability whose sources are all unconnected is *unassessed*: it takes
 * part as unknown (confirmed level 1), so not connecting a source can never raise the confirmed level.
 */
import { catalogEntry, type SourceSection } from '../evidence/catalog.js';
import type { EvidenceBundle } from '../domain/evidence.js';
import type { Rule } from './rule-schema.js';
import { CAPABILITIES, CORE_CAPABILITIES, type CapabilityScope, type Finding } from '../domain/assessment.js';

const COLLECTOR_SOURCES: readonly SourceSection[] = ['m365', 'rmm', 'backup'];

const SOURCE_LABELS: Record<string, string> = {
  m365: 'Microsoft 365 (config section m365)',
  rmm: 'an RMM (config section rmm)',
  backup: 'a backup product (config section backup)',
};

export interface ScopeDecision {
  scope: CapabilityScope;
  reason: string | null;
  /** Connected collector sources the capability rests on. */
  sources: string[];
  /** What to connect to assess it (unassessed only). */
  connect: string;
}

export function resolveScope(rules: readonly Rule[], findings: readonly Finding[], bundle: EvidenceBundle): Map<string, ScopeDecision> {
  const out = new Map<string, ScopeDecision>();
  for (const { id } of CAPABILITIES) {
    const gates = rules.filter((r) => r.capability === id && !r.advisory);
    const wanted = [...new Set(gates.map((r) => catalogEntry(r.evidence)?.source).filter((s): s is SourceSection => !!s && COLLECTOR_SOURCES.includes(s)))];
    const connected = wanted.filter((s) => bundle.sources.includes(s));
    const connect = wanted.map((s) => SOURCE_LABELS[s] ?? s).join(' or ');
    const declared = bundle.outOfScope?.[id];
    if (declared) {
      out.set(id, { scope: 'out_of_scope', reason: `out of scope: ${declared}`, sources: connected, connect: '' });
    } else if (wanted.length === 0) {
      // Attestation-only capabilities (governance) gate only when config makes some of their rules gates.
      const gating = findings.some((f) => f.capability === id && !f.advisory);
      out.set(id, gating
        ? { scope: 'assessed', reason: null, sources: ['attestation'], connect: '' }
        : { scope: 'not_assessed', reason: 'advisory only: informs the report, never sets the level', sources: [], connect: '' });
    } else if (connected.length > 0) {
      out.set(id, { scope: 'assessed', reason: null, sources: connected, connect: '' });
    } else if (CORE_CAPABILITIES.includes(id)) {
      out.set(id, { scope: 'unassessed', reason: `not assessed: connect ${connect}`, sources: [], connect });
    } else {
      out.set(id, { scope: 'not_assessed', reason: `not assessed: no ${wanted.join(' or ')} source configured`, sources: [], connect });
    }
  }
  return out;
}
