/**
 * What the per-aggregate store contract suites share: how an adapter hands them stores, the optional table-level
 * hook, and the audit entry builder several aggregates write with their changes.
 */
import { afterEach, beforeEach } from 'vitest';
import type { AuditEntry } from '../../../src/domain/audit.js';
import type { AlertEvent, Delivery, Episode } from '../../../src/domain/episode.js';
import type { Store } from '../../../src/store/store.js';

/** What every suite uses besides the aggregate under test: it migrates a fresh store and closes it after each test. */
export type Lifecycle = Pick<Store, 'migrate' | 'close'>;

/**
 * Returns a fresh, empty store on each call. A suite is typed with just the interfaces it exercises, so the
 * type says which aggregates a behaviour spans (e.g. a token and its audit entry); a full `Store` fits every suite.
 */
export type StoreFactory<T> = () => Promise<T & Lifecycle>;

/** Every test of the suite gets a fresh, migrated store from `factory` (handed to `use`), closed after the test. */
export function freshStoreForEachTest<T extends Lifecycle>(factory: () => Promise<T>, use: (store: T) => void): void {
  let current: T | undefined;
  beforeEach(async () => {
    current = await factory();
    await current.migrate();
    use(current);
  });
  afterEach(async () => {
    await current?.close();
  });
}

export interface StoreContractOptions {
  /**
   * Rows that belong to `scanId`, per table (e.g. `{ scans: 1, evidence: 5, findings: 5, capability_scores: 6 }`),
   * plus rows of any table whose scan row is missing under the key `orphans`. Read through a separate
   * connection where possible, so it shows what other readers see.
   */
  rowCounts?: (store: object, scanId: string) => Promise<Record<string, number>>;
  /**
   * Opens a second, independent store on the database `store` (one of the factory's) uses — its own connection or
   * pool, as another process or replica would have — for behaviour that spans store instances (concurrent outbox
   * claims). Absent where no second instance can reach the same data (`:memory:`); suites then use `store` itself.
   */
  sameDatabase?: (store: object) => Promise<Store>;
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

export const episode = (over: Partial<Episode> = {}): Episode => ({
  id: 'ep-1',
  tenantId: 'contoso',
  kind: 'regression',
  state: 'confirmed',
  openedAt: '2025-01-02T00:00:00.000Z',
  openedScanId: 's-1',
  baselineScanId: null,
  confirmedAt: '2025-01-03T00:00:00.000Z',
  confirmedScanId: 's-2',
  closedAt: null,
  closedScanId: null,
  confirmations: 2,
  previousLevel: 3,
  currentLevel: 2,
  drops: [],
  lostKeys: [],
  acknowledgedAt: null,
  acknowledgedBy: null,
  acknowledgement: null,
  ...over,
});

/** An alert with the values a lossy payload encoding would break: nulls, non-ASCII text, nested arrays. */
export const alertEvent = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  kind: 'regression',
  episodeId: 'ep-1',
  tenant: { id: 'contoso', name: 'Contoso Ltd — Zürich' },
  occurredAt: '2025-01-02T02:00:42.000Z',
  scanId: 's-2',
  previousLevel: 3,
  currentLevel: 2,
  previousLevelName: 'Defined',
  currentLevelName: 'Managed',
  drops: [
    {
      kind: 'level',
      id: 'overall',
      from: 3,
      to: 2,
      rules: [{ ruleId: 'mfa-enforced', from: 'pass', to: 'fail', observed: '71.5 % registered', expected: '≥ 90 %' }],
    },
  ],
  lostKeys: [],
  link: null,
  command: 'ratchet show contoso',
  ...over,
});

/** Canonical ISO timestamps (what the outbox compares as text): T0 plus `minutes`. */
export const at = (minutes: number): string => new Date(Date.parse('2025-01-02T03:00:00.000Z') + minutes * 60_000).toISOString();

/**
 * A pending outbox row as the scan path plans it: keyed by episode, event and channel, due at once. The id is
 * derived from the key like the real planner's, so overriding only the key keeps id and key paired.
 */
export const delivery = (over: Partial<Delivery> = {}): Delivery => {
  const episodeId = over.episodeId ?? 'ep-1';
  const event = over.event ?? 'regression';
  const channel = over.channel ?? '0:webhook';
  const idempotencyKey = over.idempotencyKey ?? `${episodeId}:${event}:${channel}`;
  return {
    id: `dl-${idempotencyKey}`,
    episodeId,
    event,
    channel,
    idempotencyKey,
    payload: alertEvent({ kind: event, episodeId }),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    lastError: null,
    createdAt: at(0),
    deliveredAt: null,
    ...over,
  };
};
