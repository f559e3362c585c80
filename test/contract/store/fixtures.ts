/**
 * What the per-aggregate store contract suites share: how an adapter hands them stores, the optional table-level
 * hook, and the audit entry builder several aggregates write with their changes.
 */
import type { AuditEntry } from '../../../src/domain/audit.js';
import type { Store } from '../../../src/store/store.js';

/** What every suite uses besides the aggregate under test: it migrates a fresh store and closes it after each test. */
export type Lifecycle = Pick<Store, 'migrate' | 'close'>;

/**
 * Returns a fresh, empty store on each call. A suite is typed with just the interfaces it exercises, so the
 * type says which aggregates a behaviour spans (e.g. a token and its audit entry); a full `Store` fits every suite.
 */
export type StoreFactory<T> = () => Promise<T & Lifecycle>;

export interface StoreContractOptions {
  /**
   * Rows that belong to `scanId`, per table (e.g. `{ scans: 1, evidence: 5, findings: 5, capability_scores: 6 }`),
   * plus rows of any table whose scan row is missing under the key `orphans`. Read through a separate
   * connection where possible, so it shows what other readers see.
   */
  rowCounts?: (store: object, scanId: string) => Promise<Record<string, number>>;
}

export const audit = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `audit-${Math.random().toString(36).slice(2)}`,
  at: '2025-01-11T09:00:00.000Z',
  actor: 'alice@msp',
  action: 'attestation.recorded',
  tenantId: 'contoso',
  target: 'att-1',
  detail: { kind: 'dr_plan', nested: { n: 1 } },
  ...over,
});
