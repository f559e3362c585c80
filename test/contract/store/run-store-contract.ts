/**
 * The behaviour every `Store` adapter must have (DESIGN §10: "Both pass the same contract tests"), one suite per
 * aggregate. An adapter's test file calls this once with its factory, and so runs every suite:
 *   runStoreContract('SqliteStore', async () => new SqliteStore(tmpFile()), { rowCounts });
 *
 * The factory must return a fresh, empty store each call; each suite calls `migrate()` itself and closes the
 * store after each test. Everything is checked through the store interfaces, except the optional `rowCounts`
 * hook, which lets an adapter prove at table level that a failed save left no orphan rows behind (the interface
 * alone cannot see an evidence row whose scan row was rolled back).
 */
import { describe } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { attestationStoreContract } from './attestations.contract.js';
import { auditStoreContract } from './audit.contract.js';
import { authStoreContract } from './auth.contract.js';
import { episodeStoreContract } from './episodes.contract.js';
import type { StoreContractOptions } from './fixtures.js';
import { lifecycleContract } from './lifecycle.contract.js';
import { outboxStoreContract } from './outbox.contract.js';
import { reportOutboxStoreContract } from './report-outbox.contract.js';
import { scanEffectsContract } from './scan-effects.contract.js';
import { scanStoreContract } from './scans.contract.js';
import { ticketStoreContract } from './tickets.contract.js';

export type { StoreContractOptions } from './fixtures.js';

export function runStoreContract(name: string, factory: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    scanStoreContract(factory, options);
    episodeStoreContract(factory);
    outboxStoreContract(factory, options);
    reportOutboxStoreContract(factory);
    ticketStoreContract(factory, options);
    scanEffectsContract(factory, options);
    authStoreContract(factory, options);
    attestationStoreContract(factory);
    auditStoreContract(factory);
    lifecycleContract(factory);
  });
}
