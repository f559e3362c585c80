/**
 * Config schema (DESIGN §4). The core owns the frame; each collector plugin owns the schema of its own section, so
 * adding a vendor never touches this file. Every object is strict: a misspelt key is an error, not silently ignored.
 */
import { z } from 'zod';
import { CORE_CAPABILITIES } from '../domain/assessment.js';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import { ReportsSchema, reportConfigIssues } from './reports.js';
import type { PsaProvider } from '../collector-kit/psa-provider.js';
import { psaConfigIssues, psaSchema, TenantPsaSchema } from './psa.js';
import { AuthSchema, authConfigIssues } from './auth.js';
import { DEFAULT_FORESIGHT } from '../domain/forecast.js';

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

/**
 * `atRisk`: also send foresight's at-risk notices (and their end) to this channel (DESIGN §14). Off by default: an
 * early warning is not a regression, and a channel that pages someone must opt in to it. Optional rather than
 * defaulted so configs built in code stay valid; absent reads as false (src/alerts/at-risk-channels.ts).
 */
const atRisk = z.boolean().optional();

const AlertSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('teams'), url: httpsUrl, atRisk }).strict(),
  z.object({ type: z.literal('slack'), url: httpsUrl, atRisk }).strict(),
  z.object({ type: z.literal('webhook'), url: z.url(), secret: z.string().min(16, 'use a secret of at least 16 characters').optional(), atRisk }).strict(),
  z
    .object({
      type: z.literal('email'),
      host: z.string(),
      port: z.number().int().default(587),
      secure: z.boolean().default(false),
      username: z.string().optional(),
      password: z.string().optional(),
      from: z.string(),
      to: z.array(z.string()).min(1),
      atRisk,
    })
    .strict(),
]);

/** Foresight (DESIGN §14): early warning when a gate's trend is projected to cross its threshold. */
const ForesightSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Raise a notice only for a crossing projected at most this many days ahead. */
    horizonDays: z.number().int().min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').default(DEFAULT_FORESIGHT.horizonDays),
    /** Complete scans with the measure known before any trend is fitted (fewer is guessing). */
    minScans: z.number().int().min(3, 'must be at least 3 scans (a trend needs points)').max(100).default(DEFAULT_FORESIGHT.minScans),
  })
  .strict()
  .default({ enabled: true, ...DEFAULT_FORESIGHT });

function sectionSchema(plugins: readonly CollectorPlugin[], section: 'rmm' | 'backup'): z.ZodType {
  const forSection = plugins.filter((p) => p.section === section && p.provider);
  const providers = forSection.map((p) => p.provider!);
  // A transform (not a refinement) so the plugin's defaults and transforms reach the collector.
  return z.unknown().transform((val, ctx) => {
    if (!val || typeof val !== 'object') {
      ctx.addIssue({ code: 'custom', message: 'must be an object with a provider' });
      return z.NEVER;
    }
    const provider = (val as Record<string, unknown>).provider;
    const plugin = forSection.find((p) => p.provider === provider);
    if (!plugin) {
      ctx.addIssue({
        code: 'custom',
        path: ['provider'],
        message: `unknown ${section} provider ${JSON.stringify(provider)} (available: ${providers.length ? providers.join(', ') : `none yet in this version`})`,
      });
      return z.NEVER;
    }
    const res = plugin.configSchema.safeParse(val);
    if (!res.success) {
      for (const issue of res.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
      return z.NEVER;
    }
    return res.data as Record<string, unknown>;
  });
}

/** `psaProviders`: the PSA registry (psa/index.ts); undefined checks only the frame of `psa:` (see ./psa.ts). */
export function buildConfigSchema(plugins: readonly CollectorPlugin[], psaProviders?: readonly PsaProvider[]) {
  const m365 = plugins.find((p) => p.section === 'm365');
  const TenantSchema = z
    .object({
      id: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and dashes ([a-z0-9-])'),
      name: z.string().min(1),
      schedule: z.string().optional(),
      /**
       * Core capabilities this tenant's MSP contract does not cover, each with the reason shown beside the level
       * wherever it appears (DESIGN §7). Everything not listed is in scope; in scope without a source = unassessed.
       */
      outOfScope: z
        .object(
          Object.fromEntries(
            CORE_CAPABILITIES.map((c) => [c, z.string().trim().min(3, `give the reason ${c} is out of scope (shown beside the level)`).max(500).optional()]),
          ),
        )
        .strict()
        .optional(),
      m365: (m365?.configSchema ?? z.never()).optional(),
      rmm: sectionSchema(plugins, 'rmm').optional(),
      backup: sectionSchema(plugins, 'backup').optional(),
      /** The tenant's company in the MSP's PSA (DESIGN §13). */
      psa: TenantPsaSchema.optional(),
    })
    .strict();

  return z
    .object({
      /**
       * Portfolio config (DESIGN §12), expanded into the tenants before this schema sees them (portfolio.ts), which
       * also validates their contents: defaults.m365 is the MSP's app, accounts the shared vendor accounts.
       */
      defaults: z.strictObject({ m365: z.record(z.string(), z.unknown()).optional() }).optional(),
      accounts: z.array(z.looseObject({ id: z.string(), provider: z.string() })).default([]),
      storage: z
        .object({
          url: z.string().default('sqlite:./data/ratchet.db'),
          /** The PostgreSQL password when it is kept out of the URL (use ${env:…} or ${file:…}); never logged. */
          password: z.string().min(1).optional(),
        })
        .strict()
        .default({ url: 'sqlite:./data/ratchet.db' }),
      /** The durable scan queue of `serve --role` on PostgreSQL (DESIGN §11); unused with SQLite. */
      queue: z
        .object({
          /** The PostgreSQL schema pg-boss keeps its tables in. */
          schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'use a plain PostgreSQL identifier such as "pgboss"').default('pgboss'),
          /** A scan still running this long is aborted by its worker; a dead worker's job is retried after it. */
          leaseSeconds: z.number().int().min(10).max(86_400).default(1800),
          /** Retries of a scan job that failed or whose worker died, with exponential backoff from retryDelaySeconds. */
          retryLimit: z.number().int().min(0).max(20).default(2),
          retryDelaySeconds: z.number().int().min(1).max(3600).default(60),
          /** How often an idle worker asks for a job. */
          pollSeconds: z.number().min(0.5).max(60).default(2),
        })
        .strict()
        .default({ schema: 'pgboss', leaseSeconds: 1800, retryLimit: 2, retryDelaySeconds: 60, pollSeconds: 2 }),
      server: z
        .object({
          host: z.string().default('127.0.0.1'),
          port: z.number().int().min(0).max(65535).default(8080),
          publicUrl: z.url().optional(),
          /**
           * Whose X-Forwarded-For to believe for the client address (rate limits, audit): false (default: the socket's
           * peer), true (any peer: only behind a proxy that overwrites client-sent headers), or the proxies' addresses or
           * CIDRs ("10.0.0.0/8", "loopback"). No hop count: fastify cannot check the peer with one and ignores it.
           */
          trustProxy: z.union([z.boolean(), z.string().min(1), z.array(z.string().min(1)).min(1)]).default(false),
          /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>` (use ${env:…}). */
          metricsToken: z.string().min(16, 'use a token of at least 16 characters').optional(),
          /** Sign-in for people (OpenID Connect) and how their groups map to roles (DESIGN §15, ./auth.ts). */
          auth: AuthSchema,
        })
        .strict()
        .default({ host: '127.0.0.1', port: 8080, trustProxy: false, auth: { roleMap: [], sessionHours: 12 } }),
      schedule: z
        .object({
          cron: z.string().default('0 2 * * *'),
          timezone: z.string().default('UTC'),
          concurrency: z.number().int().min(1).default(4),
          jitterSeconds: z.number().int().min(0).default(300),
        })
        .strict()
        .default({ cron: '0 2 * * *', timezone: 'UTC', concurrency: 4, jitterSeconds: 300 }),
      scan: z
        .object({
          /** A collector that runs longer is aborted and its evidence marked error (one vendor cannot hang a scan). */
          collectorTimeoutSeconds: z.number().positive().default(600),
        })
        .strict()
        .default({ collectorTimeoutSeconds: 600 }),
      regression: z
        .object({ confirmScans: z.number().int().min(1).default(2), scoreDrop: z.number().positive().default(10) })
        .strict()
        .default({ confirmScans: 2, scoreDrop: 10 }),
      alerts: z.array(AlertSchema).default([]),
      foresight: ForesightSchema,
      /** Client reports e-mailed on a schedule (DESIGN §13, src/config/reports.ts). */
      reports: ReportsSchema,
      /** The MSP's PSA: one ticket per confirmed regression episode (DESIGN §13, src/config/psa.ts). */
      psa: psaSchema(psaProviders).optional(),
      rules: z
        .object({ path: z.string().optional(), overrides: z.record(z.string(), z.unknown()).optional() })
        .strict()
        .default({}),
      tenants: z
        .array(TenantSchema)
        // None is allowed by the schema: a portfolio starts with defaults and an empty tenants.d/ (the loader decides).
        .default([])
        .superRefine((tenants, ctx) => {
          const seen = new Set<string>();
          tenants.forEach((t, i) => {
            if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate tenant id "${t.id}"` });
            seen.add(t.id);
            if (!t.m365 && !t.rmm && !t.backup) {
              ctx.addIssue({ code: 'custom', path: [i], message: 'a tenant needs at least one source: m365, rmm or backup' });
            }
          });
        }),
    })
    .strict()
    .superRefine((config, ctx) => {
      for (const issue of reportConfigIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
      for (const issue of psaConfigIssues(config).problems) ctx.addIssue({ code: 'custom', ...issue });
      for (const issue of authConfigIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
      // The lease must outlast the longest scan, or every slow scan would be aborted (see src/queue/scan-worker.ts).
      // Collectors run side by side under collectorTimeoutSeconds; rules and the one transaction take seconds.
      const longest = config.scan.collectorTimeoutSeconds + 10;
      if (config.queue.leaseSeconds < longest) {
        ctx.addIssue({
          code: 'custom',
          path: ['queue', 'leaseSeconds'],
          message: `must be at least scan.collectorTimeoutSeconds + 10 (${longest}): a scan may run that long, and a lease that ends first aborts it`,
        });
      }
    });
}

export type RatchetConfig = z.infer<ReturnType<typeof buildConfigSchema>>;
export type TenantConfig = RatchetConfig['tenants'][number];
