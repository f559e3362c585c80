/**
 * Composition root (DESIGN §2): config, logger, rules, store and plugins for a command — the CLI's and `ratchet serve`'s.
 * The one module of src/ (with the simulator's) that knows the list of collector plugins.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { PLUGINS } from '../../collectors/index.js';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import { InProcessRateGate, type RateGate } from '../collector-kit/rate-gate.js';
import { defaultConfigPath, loadConfig, type TenantOrigin } from '../config/load.js';
import type { RatchetConfig } from '../config/schema.js';
import { loadRuleSet, type RuleSet } from '../config/load-rules.js';
import { createLogger } from '../log/logger.js';
import { recordLimiterWait } from '../metrics.js';
import { defaultRulesPath } from '../paths.js';
import { openStore, PostgresStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import type { CliIO } from './io.js';
import { connectPsa, PSA_PROVIDERS, type PsaConnection } from './psa.js';

export interface Context {
  config: RatchetConfig;
  /** The config file read, and where each tenant came from (an included file) and what it shares (DESIGN §12). */
  configFile: string;
  origins: TenantOrigin[];
  plugins: readonly CollectorPlugin[];
  logger: Logger;
  ruleSet: RuleSet;
  store: Store;
  /** Paces vendor requests per account: across every process on a PostgreSQL store, in this process with SQLite. */
  rateGate: RateGate;
  /** The MSP's PSA (config `psa:`), or null: tickets for confirmed regressions (DESIGN §13). */
  psa: PsaConnection | null;
  close(): Promise<void>;
}

export function rulesPathOf(config: RatchetConfig): string {
  return config.rules.path ? resolve(config.rules.path) : defaultRulesPath();
}

/** PostgreSQL: the limiter every worker on the database shares (DESIGN §11). SQLite is one process: in memory. */
function rateGateFor(store: Store, logger: Logger): RateGate {
  const onWait = recordLimiterWait;
  return store instanceof PostgresStore ? store.rateGate({ logger, onWait }) : new InProcessRateGate({ onWait });
}

export async function openContext(opts: { config?: string; logLevel?: string; requireSecrets?: boolean }, io: CliIO): Promise<Context> {
  const logger = createLogger({ destination: io.logDestination, level: opts.logLevel ?? io.env.RATCHET_LOG_LEVEL });
  const configFile = opts.config ?? defaultConfigPath(io.env);
  const { config, warnings, origins } = loadConfig(configFile, PLUGINS, io.env, { requireSecrets: opts.requireSecrets ?? true, psa: PSA_PROVIDERS });
  for (const w of warnings) logger.warn(w);
  const ruleSet = loadRuleSet(rulesPathOf(config), config.rules.overrides);
  const store = openStore(config.storage.url, { password: config.storage.password });
  await store.migrate();
  const rateGate = rateGateFor(store, logger);
  const psa = connectPsa(config.psa, { logger, rateGate });
  return { config, configFile, origins, plugins: PLUGINS, logger, ruleSet, store, rateGate, psa, close: () => store.close() };
}
