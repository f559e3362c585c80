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
  | 'certificate-and-key'
  /**
   * The same as a PEM, or a PKCS#12 archive (.pfx/.p12, binary or Base-64) holding key and certificate, told apart by
   * content (src/collector-kit/client-certificate.ts). An encrypted PEM key or a PFX is opened with the password in the
   * section's `passwordField`, when it gives one.
   */
  | 'certificate-and-key-or-pkcs12';

/** A file field whose content may need a password held in another field of the same section. */
export interface ConfigFileSpec {
  kind: ConfigFileKind;
  /** The sibling field holding the file's password (a secret field), e.g. `certificatePassword`. */
  passwordField?: string;
}

/**
 * The fields of a collector's config section that name files it reads at run time, declared on its configSchema
 * the way `secretFields` names its secrets: `z.strictObject({ … }).register(configFiles, { caFile: 'ca-certificate' })`.
 * The core checks each named file when the config loads (src/config/files.ts), so a wrong path is a config error
 * naming the field (exit 2) instead of a failed scan.
 */
export const configFiles = z.registry<Readonly<Record<string, ConfigFileKind | ConfigFileSpec>>>();

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

/** One of a shared vendor account's clients (an organisation, a site, a customer tenant), for `ratchet tenants map`. */
export interface PortfolioClient {
  /** The value a tenant's section stores in the plugin's `portfolio.scopeField` (organisation id, site UID, customer tenant UUID). */
  scope: string | number;
  /** The name the vendor shows for the client. */
  name: string;
  /** E-mail or DNS domains the vendor exposes for the client (lower case), matching evidence beside the name. */
  domains: string[];
  /** What a technician should see beside it, e.g. "42 devices". */
  note?: string;
}

/** Whether the partner's multi-tenant app can read a customer tenant (a token request for that tenant, classified). */
export interface ConsentState {
  state: 'consented' | 'not-consented' | 'unknown';
  /** The identity platform's error code when refused, e.g. AADSTS700016. */
  code?: string;
  /** One line: what happened and what to do. */
  detail: string;
  /** Where a Global Administrator of the customer grants consent, when it is missing. */
  adminConsentUrl?: string;
}

/** A customer of the MSP found from its partner tenant (`ratchet tenants discover`). */
export interface DiscoveredCustomer {
  /** The customer's directory (tenant) id. */
  tenantId: string;
  name: string;
  /** Verified or default domains, when the source exposes them (lower case). */
  domains: string[];
  consent: ConsentState;
}

/**
 * How a plugin's section takes part in portfolio config (DESIGN §12): shared vendor `accounts` (rmm/backup) and
 * `defaults.m365`. Without it the plugin's sections cannot use `account:` and carry their own credentials.
 */
export interface PortfolioSupport<C = unknown> {
  /**
   * Fields that say *which client* within a shared account or app (NinjaOne organizationId, Datto siteUid, Acronis
   * customerTenantId; m365 tenantId). A shared block (account, defaults) must not set them; a tenant section drawing
   * on a shared account must, or it would read every client's data.
   */
  tenantFields: readonly string[];
  /** The field `ratchet tenants map --write` fills (one of tenantFields). */
  scopeField?: string;
  /** The account's clients, for `ratchet tenants map --account ID`. `account` is the account's validated section. */
  listClients?(account: C, ctx: CollectorContext): Promise<PortfolioClient[]>;
  /**
   * The MSP's customers seen from its partner tenant, each with the app's consent state there (`ratchet tenants
   * discover`). `partner` is defaults.m365 validated with the partner tenant as its tenantId.
   */
  discover?(partner: C, ctx: CollectorContext): Promise<DiscoveredCustomer[]>;
  /** Domains of a configured tenant (M365 verified domains), matching evidence for `tenants map`. */
  tenantDomains?(config: C, ctx: CollectorContext): Promise<string[]>;
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
  /** Portfolio config support (shared accounts, defaults, discovery, mapping); see PortfolioSupport. */
  portfolio?: PortfolioSupport<C>;
  collect(config: C, ctx: CollectorContext): Promise<CollectorResult>;
  doctor(config: C, ctx: CollectorContext): Promise<DoctorCheck[]>;
}
