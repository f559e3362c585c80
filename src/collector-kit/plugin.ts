/**
 * The contract between the core and a collector. The core knows no vendor: it hands a collector its own config
 * section (already validated by the collector's zod schema, secrets resolved) and gets evidence back.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { z, type ZodType } from 'zod';
import type { Evidence } from '../domain/evidence.js';
import type { CollectorStatus } from '../domain/report.js';
import type { RateGate } from './rate-gate.js';

/** What a file named by a config field must hold. */
export type ConfigFileKind =
  /** A PEM with at least one CERTIFICATE block: the private CA of a self-hosted server (`caFile`). */
  | 'ca-certificate'
  /** A PEM with a private key and the certificate it belongs to: a client-certificate credential (`certificatePath`). */
  | 'certificate-and-key';

/**
 * The fields of a collector's config section that name files it reads at run time, declared on its configSchema
 * the way `secretFields` names its secrets: `z.strictObject({ … }).register(configFiles, { caFile: 'ca-certificate' })`.
 * The core checks each named file when the config loads (src/config/files.ts), so a wrong path is a config error
 * naming the field (exit 2) instead of a failed scan.
 */
export const configFiles = z.registry<Readonly<Record<string, ConfigFileKind>>>();

export type { CollectorStatus };

/** Requests one collector may have in flight at once before Node warns of a listener leak on its abort signal. */
export const MAX_REQUESTS_IN_FLIGHT = 64;

/**
 * The controller of a collector's abort signal (`CollectorContext.signal`). Every request in flight listens on the
 * signal (axios, MSAL, the Graph client); a collector legitimately keeps a few dozen in flight (paged reads beside
 * bounded per-object look-ups), past Node's default warning at 10. The bound still catches a real leak: listeners
 * that are never removed pile up far beyond it. The core and the tests that call a collector directly both use it.
 */
export function collectorAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(MAX_REQUESTS_IN_FLIGHT, controller.signal);
  return controller;
}

export interface CollectorContext {
  tenantId: string;
  logger: Logger;
  /** Aborted when the scan's collector timeout fires or the process shuts down. */
  signal: AbortSignal;
  /** Injected clock: collectors never read Date.now() directly, so tests and rescoring are deterministic. */
  now: () => Date;
  /** Restrict collection to these evidence keys (targeted re-check); undefined = everything. */
  only?: readonly string[];
  /**
   * Paces requests per vendor account across every scan that shares the account (rate-gate.ts): with PostgreSQL,
   * across every process on the database. Undefined = the process-wide in-memory gate (`rateGateOf`).
   */
  rateGate?: RateGate;
}

export interface CollectorResult {
  evidence: Evidence[];
  /** HTTP requests made, retries included. */
  requests: number;
  /**
   * ok = every key collected or honestly unavailable; partial = some keys errored; error = nothing could be
   * collected (authentication failed, host unreachable).
   */
  status: Exclude<CollectorStatus, 'skipped'>;
  error: string | null;
}

export interface DoctorCheck {
  /** What was checked, e.g. "token", "GET /reports/authenticationMethods/userRegistrationDetails". */
  check: string;
  ok: boolean;
  /** What is missing and how to fix it (permission name, licence, network). */
  detail: string;
}

export interface CollectorPlugin<C = unknown> {
  /** Collector id, used in evidence provenance and reports (e.g. "m365", "ninjaone"). */
  id: string;
  /** The tenant config section it reads: m365, rmm or backup. */
  section: 'm365' | 'rmm' | 'backup';
  /** For rmm/backup: the `provider` value that selects this plugin. */
  provider?: string;
  /**
   * zod schema of its config section (strict: unknown keys are errors). Secret fields hold resolved values. Fields
   * naming files are declared on it through `configFiles`.
   */
  configSchema: ZodType<C>;
  /** Paths inside its config section that hold secrets (redacted from logs, never stored). */
  secretFields: readonly string[];
  /** Evidence keys it can produce. */
  provides: readonly string[];
  collect(config: C, ctx: CollectorContext): Promise<CollectorResult>;
  doctor(config: C, ctx: CollectorContext): Promise<DoctorCheck[]>;
}
