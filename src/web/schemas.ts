/**
 * Zod schemas of the REST API (/api/v1): the server validates requests and serialises responses with them, and the
 * OpenAPI document at /api/v1/openapi.json is generated from the same schemas — they cannot drift apart.
 *
 * `ReportSchema` is the report JSON of DESIGN §5 (schemaVersion 1); fields beyond §5 are optional, so a report stored
 * by an older Ratchet still serialises. Responses are serialised through these schemas, which drop fields they do
 * not declare — so the type-level checks at the end of this file fail the build when a TypeScript type gains a
 * field its schema lacks (or the schema one the type lacks).
 */
import { z } from 'zod';
import type { Evidence } from '../domain/evidence.js';
import type { Episode } from '../domain/episode.js';
import type { Report } from '../domain/report.js';
import type { ScanSummary } from '../domain/scan-summary.js';
import { ATTESTATION_KINDS, type Attestation } from '../domain/attestation.js';
import { type Principal } from '../domain/principal.js';
import { type AuditEntry } from '../domain/audit.js';
import { type OffenderPage, type ScanDiff, type TenantSummary } from './contracts.js';
import { MAX_COMMENT, MAX_FILE_REF, MAX_NOTE, MAX_PAGE_SIZE } from './service.js';
import type { PublicToken } from './tokens.js';
import type { Benchmark, BenchmarkScore } from '../report/benchmark.js';

const timestamp = z.string().describe('ISO 8601 timestamp (UTC)');
const level = z.number().int().min(1).max(5);
const scanStatus = z.enum(['complete', 'partial', 'failed']);
const outcome = z.enum(['pass', 'fail', 'partial', 'unknown', 'not_applicable']);
const roleEnum = z.enum(['viewer', 'technician', 'admin']);

// ── the report (DESIGN §5) ─────────────────────────────────────────────────────────────────────────────────────
export const CollectorRunSchema = z.object({
  id: z.string(),
  status: z.enum(['ok', 'partial', 'error', 'skipped']),
  durationMs: z.number(),
  requests: z.number(),
  error: z.string().nullable(),
});

export const LevelScopeSchema = z.object({
  complete: z.boolean().describe('every in-scope capability is assessed'),
  unassessed: z.array(z.string()).describe('in-scope capabilities with no source: they count as unknown'),
  connect: z.record(z.string(), z.string()).describe('per unassessed capability, the source to connect'),
  outOfScope: z.record(z.string(), z.string()).describe("capabilities the tenant's config declares out of scope, with the reason"),
});

export const LevelSchema = z.object({
  value: level,
  name: z.string(),
  potential: level,
  confirmed: z.boolean(),
  blockers: z.array(z.string()).describe('rule ids that keep the tenant from the next level'),
  unknown: z.array(z.string()).describe('gating rule ids whose evidence is missing'),
  scope: LevelScopeSchema.optional()
    .describe('absent in reports stored before scope existed'),
  restsOn: z.string().optional().describe('what the level rests on: the weakest in-scope capability and the others'),
});

export const CapabilityScoreSchema = z.object({
  id: z.string(),
  name: z.string(),
  level,
  score: z
    .number()
    .nullable()
    .describe('0–100 banded by the level: 25 × (level − 1) + 25 × credit of the next level\'s gates; 100 at level 5; null when unassessed'),
  coverage: z.number().describe('known weight / applicable weight of the scored (non-advisory) gates'),
  potential: level.optional(),
  potentialScore: z.number().nullable().optional().describe('the score with unknown gates given full credit'),
  assessed: z.boolean().optional(),
  scope: z.enum(['assessed', 'unassessed', 'out_of_scope', 'not_assessed']).optional(),
  scopeReason: z.string().nullable().optional(),
  snapshotLevel: level.optional().describe('level of the point-in-time gates alone (history gates left out)'),
  snapshotPotential: level.optional().describe('the same with unknown gates counted as passed'),
  snapshotScore: z.number().nullable().optional(),
  gates: z
    .array(z.object({ level: z.number().int(), passed: z.number().int(), total: z.number().int(), unknown: z.number().int() }))
    .optional()
    .describe('gates passed per level 2..5 ("L3: 4 of 5")'),
});

export const FindingSchema = z
  .object({
    ruleId: z.string(),
    title: z.string(),
    capability: z.string(),
    level: z.number().int(),
    outcome,
    score: z.number().nullable(),
    evidence: z.array(z.string()),
    observed: z.string(),
    expected: z.string(),
    remediation: z.string(),
    weight: z.number().optional(),
    critical: z.boolean().optional(),
    advisory: z.boolean().optional(),
    measured: z.union([z.number(), z.boolean(), z.string()]).nullable().optional(),
    reason: z.string().nullable().optional(),
  })
  .meta({ id: 'Finding' });

export const EvidenceSchema = z
  .object({
    key: z.string(),
    status: z.enum(['ok', 'unavailable', 'error']),
    value: z.record(z.string(), z.unknown()).nullable(),
    reason: z.string().nullable(),
    reasonCode: z
      .enum(['permission_missing', 'not_licensed', 'not_configured', 'collector_error', 'schema_violation', 'stale', 'insufficient_history'])
      .nullable()
      .optional(),
    source: z.object({ collector: z.string(), endpoints: z.array(z.string()), requests: z.number() }),
    collectedAt: timestamp,
  })
  .meta({ id: 'Evidence' });

export const RegressionDropSchema = z.object({
  kind: z.enum(['level', 'capability']),
  id: z.string(),
  from: z.number(),
  to: z.number(),
  rules: z.array(z.object({ ruleId: z.string(), from: z.string(), to: z.string(), observed: z.string(), expected: z.string() })),
});

export const RoadmapItemSchema = z.object({
  ruleId: z.string(),
  toLevel: z.number().int(),
  gap: z.string(),
  remediation: z.string(),
  capability: z.string().optional(),
  outcome: outcome.optional(),
  weight: z.number().optional(),
});

export const ForecastEntrySchema = z
  .object({
    ruleId: z.string(),
    capability: z.string(),
    gateLevel: z.number().int(),
    evidenceKey: z.string(),
    measure: z.string(),
    unit: z.string().optional(),
    threshold: z.number(),
    direction: z.enum(['gte', 'lte', 'gt', 'lt']),
    current: z.number(),
    slopePerWeek: z.number(),
    projectedCrossing: z.string().describe('ISO date (YYYY-MM-DD)'),
    daysToCrossing: z.number(),
    horizonDays: z.number(),
    scans: z.number().int(),
    projection: z.array(z.object({ at: z.string(), value: z.number() })),
    text: z.string(),
  })
  .meta({ id: 'ForecastEntry', description: 'An at-risk notice: a gate holding the level is projected to fail within the horizon (never a regression)' });

const FrameworkRequirementSchema = z.object({
  id: z.string(),
  controls: z.array(z.string()),
  title: z.string(),
  level: z.number().int(),
  status: z.enum(['met', 'not_met', 'not_assessable']),
  evidence: z.string(),
  evidenceKeys: z.array(z.string()),
  attestation: z.object({ kind: z.string(), by: z.string(), at: z.string(), expiresAt: z.string().nullable() }).optional(),
  reason: z.string().optional(),
  levels: z.array(z.number().int()).optional().describe('every maturity level whose complete requirement set includes it'),
  unknown: z.boolean().optional().describe('judgeable, but the evidence was unavailable this scan; counts as not met'),
  attestationKind: z.string().optional().describe('the attestation kind that satisfies it when evidence cannot'),
});

export const EssentialEightSchema = z
  .object({
    model: z.string(),
    overall: z.number().int(),
    strategies: z.array(
      z.object({ id: z.string(), name: z.string(), level: z.number().int(), restsOn: z.string(), requirements: z.array(FrameworkRequirementSchema) }),
    ),
  })
  .meta({ id: 'EssentialEight', description: "ASD Essential Eight maturity (0–3) per strategy from the same evidence; a level holds only when all its requirements are met" });

export const ReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    tenant: z.object({ id: z.string(), name: z.string() }),
    scan: z.object({ id: z.string(), startedAt: timestamp, finishedAt: timestamp, status: scanStatus, collectors: z.array(CollectorRunSchema) }),
    level: LevelSchema,
    capabilities: z.array(CapabilityScoreSchema),
    findings: z.array(FindingSchema),
    evidence: z.array(EvidenceSchema),
    regression: z.object({
      detected: z.boolean(),
      confirmed: z.boolean(),
      previousLevel: z.number().int().nullable(),
      drops: z.array(RegressionDropSchema),
      lostVisibility: z.array(z.string()).optional(),
      rulesChanged: z
        .object({ from: z.string(), to: z.string(), note: z.string() })
        .optional()
        .describe('the rule set changed since the previous scan, which was re-scored with the current rules before comparing'),
    }),
    roadmap: z.array(RoadmapItemSchema),
    frameworks: z.object({ essentialEight: EssentialEightSchema.optional() }).optional(),
    forecast: z.array(ForecastEntrySchema).optional(),
  })
  .meta({ id: 'Report', description: 'The report JSON of DESIGN §5 (schemaVersion 1)' });

// ── lists and web types ─────────────────────────────────────────────────────────────────────────────────────────
export const ScanSummarySchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    startedAt: timestamp,
    finishedAt: timestamp,
    status: scanStatus,
    level,
    potential: level,
    confirmed: z.boolean(),
    regressionDetected: z.boolean(),
    regressionConfirmed: z.boolean(),
    capabilities: z.array(
      z.object({
        id: z.string(),
        level,
        score: z.number().nullable(),
        coverage: z.number(),
        snapshotLevel: level.optional(),
        snapshotPotential: level.optional(),
        snapshotScore: z.number().nullable().optional(),
      }),
    ),
  })
  .meta({ id: 'ScanSummary' });

const StandingFields = {
  percentile: z.number().int().min(0).max(100).nullable().describe('mid-rank percentile (below + ½ equal) / n × 100, rounded; null with reason when fewer than 5 tenants compare'),
  peers: z.number().int().describe('tenants compared, this one included'),
  reason: z.string().nullable().describe('why there is no percentile (e.g. "too few tenants to compare (3)")'),
};
export const BenchmarkScoreSchema = z
  .object({
    ...StandingFields,
    band: z.object({ ...StandingFields, id: z.string(), label: z.string() }).nullable().describe('the same within the size band by user count; null when the user count is unknown'),
  })
  .meta({ id: 'BenchmarkScore' });
export const BenchmarkSchema = z
  .object({
    peers: z.number().int().describe("tenants of this MSP with a complete scan (each one's latest complete scan is compared)"),
    sizeBand: z.object({ id: z.string(), label: z.string() }).nullable(),
    level: BenchmarkScoreSchema,
    capabilities: z.record(z.string(), BenchmarkScoreSchema).describe('per capability scored for this tenant (unscored and out-of-scope ones are left out)'),
  })
  .meta({ id: 'Benchmark', description: "The tenant's standing among this MSP's own tenants only (issue 16)" });

export const TenantSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    level: level.nullable(),
    levelName: z.string().nullable(),
    potential: level.nullable(),
    confirmed: z.boolean().nullable(),
    capabilities: z.array(z.object({ id: z.string(), name: z.string(), level, score: z.number().nullable(), coverage: z.number() })),
    scope: LevelScopeSchema.nullable().describe("the newest scan's level.scope (out-of-scope reasons, unassessed capabilities and what to connect); null when never scanned or the report predates scope"),
    restsOn: z.string().nullable().describe("the newest scan's level.restsOn: what the level rests on; null as scope"),
    lastScan: z.object({ id: z.string(), finishedAt: timestamp, status: scanStatus }).nullable(),
    openRegressions: z.number().int(),
    sparkline: z.array(z.object({ at: timestamp, level, status: scanStatus })).describe('confirmed level of the last 30 scans, oldest first'),
    levelBenchmark: BenchmarkScoreSchema.nullable().optional().describe("the level's percentile among this MSP's tenants (tenant list only); null without a complete scan"),
  })
  .meta({ id: 'TenantSummary' });

export const EpisodeSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.enum(['regression', 'visibility', 'at_risk']).describe('at_risk: foresight projects a gate to fail within the horizon (never a regression)'),
    state: z.enum(['pending', 'confirmed', 'closed']),
    openedAt: timestamp,
    openedScanId: z.string(),
    baselineScanId: z.string().nullable(),
    confirmedAt: timestamp.nullable(),
    confirmedScanId: z.string().nullable(),
    closedAt: timestamp.nullable(),
    closedScanId: z.string().nullable(),
    confirmations: z.number().int(),
    previousLevel: z.number().int().nullable(),
    currentLevel: z.number().int().nullable(),
    drops: z.array(RegressionDropSchema),
    lostKeys: z.array(z.string()),
    forecast: z.array(ForecastEntrySchema).optional().describe('at_risk: the gates projected to fail, as of the latest complete scan'),
    closedReason: z.enum(['cleared', 'superseded']).optional().describe('at_risk, once closed: the trend cleared, or a regression took over'),
    acknowledgedAt: timestamp.nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgement: z.string().nullable(),
  })
  .meta({ id: 'Episode' });

export const AttestationKindSchema = z.enum(ATTESTATION_KINDS);

export const AttestationSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: AttestationKindSchema,
    note: z.string(),
    fileRef: z.string().nullable(),
    author: z.string(),
    attestedAt: timestamp,
    expiresAt: timestamp,
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'Attestation' });

export const AttestationWithStatusSchema = AttestationSchema.extend({ status: z.enum(['valid', 'expired', 'revoked']) }).meta({ id: 'AttestationWithStatus' });

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: timestamp,
    actor: z.string(),
    action: z.string(),
    tenantId: z.string().nullable(),
    target: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });

export const OffenderPageSchema = z.object({
  field: z.string().describe('evidence value field holding the list, e.g. unregistered, uncovered, failing'),
  items: z.array(z.string()),
  total: z.number().int().describe('true count (lists are capped at collection)'),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const ScanDiffSchema = z
  .object({
    from: z.object({ id: z.string(), finishedAt: timestamp, level }),
    to: z.object({ id: z.string(), finishedAt: timestamp, level }),
    capabilities: z.array(
      z.object({ id: z.string(), fromLevel: level, toLevel: level, fromScore: z.number().nullable(), toScore: z.number().nullable() }),
    ),
    rules: z.array(z.object({ ruleId: z.string(), capability: z.string(), from: z.string(), to: z.string(), fromObserved: z.string(), toObserved: z.string() })),
    evidence: z.array(z.object({ key: z.string(), from: z.string(), to: z.string() })),
  })
  .meta({ id: 'ScanDiff' });

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: roleEnum,
    tenants: z.array(z.string()).nullable().describe('tenant ids the token may see; null = all'),
    createdAt: timestamp,
    createdBy: z.string(),
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'Token', description: 'An API token without its secret (only a hash is stored)' });

export const PrincipalSchema = z
  .object({
    via: z.enum(['token', 'session']),
    tokenId: z.string().nullable().describe('the API token, of a Bearer request or a token sign-in; null for a person signed in with OpenID Connect'),
    person: z
      .object({ subject: z.string(), name: z.string(), upn: z.string().nullable(), issuer: z.string() })
      .nullable()
      .describe('the person signed in with OpenID Connect (subject = Entra object id); null for API tokens'),
    name: z.string(),
    role: roleEnum,
    tenants: z.array(z.string()).nullable().describe('tenant ids in scope; null = all'),
  })
  .meta({ id: 'Principal' });

export const MeSchema = z.object({
  principal: PrincipalSchema,
  csrfToken: z.string().nullable().describe('for session-authenticated changes: send as x-csrf-token or form field _csrf; null for bearer tokens'),
});

export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .meta({ id: 'Error' });

// ── request parts ───────────────────────────────────────────────────────────────────────────────────────────────
const id = (what: string) => z.string().min(1).max(200).describe(what);
export const TenantParams = z.object({ id: z.string().regex(/^[a-z0-9-]{1,100}$/, 'a tenant id: [a-z0-9-]').describe('tenant id') });
export const ScanParams = TenantParams.extend({ scanId: id('scan id') });
export const EvidenceParams = ScanParams.extend({ key: id('evidence key, e.g. m365.mfa.registration') });
export const EpisodeParams = TenantParams.extend({ episodeId: id('episode id') });
export const AttestationParams = TenantParams.extend({ aid: id('attestation id') });
export const TokenParams = z.object({ tokenId: id('token id') });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});
export const LimitQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const DiffQuery = z.object({ from: id('older scan id'), to: id('newer scan id') });
export const AuditQuery = LimitQuery.extend({ tenant: z.string().regex(/^[a-z0-9-]{1,100}$/).optional().describe('only entries of this tenant') });

export const AcknowledgeBody = z.object({ comment: z.string().trim().min(1).max(MAX_COMMENT).describe('why the regression is accepted or what is being done') });
export const AttestationBody = z.object({
  kind: AttestationKindSchema,
  note: z.string().trim().min(1).max(MAX_NOTE),
  fileRef: z.string().trim().max(MAX_FILE_REF).nullable().optional().describe('where the artefact lives (link or file name), never the file'),
  attestedAt: z.string().min(10).max(40).describe('when the attested fact was established: YYYY-MM-DD or ISO date-time'),
  expiresAt: z.string().min(10).max(40).describe('YYYY-MM-DD or ISO date-time; after it the evidence turns unknown'),
});
export const TokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  role: roleEnum,
  tenants: z.array(z.string().regex(/^[a-z0-9-]{1,100}$/)).min(1).nullable().optional().describe('omit or null for all tenants'),
});

// ── responses ───────────────────────────────────────────────────────────────────────────────────────────────────
export const TenantDetailSchema = z.object({ summary: TenantSummarySchema, report: ReportSchema.nullable(), benchmark: BenchmarkSchema.nullable().optional() });
export const EvidenceDetailSchema = z.object({ evidence: EvidenceSchema, offenders: z.array(OffenderPageSchema) });
export const ScanNowSchema = z.object({ queued: z.boolean(), reason: z.string().optional() });
export const CreatedTokenSchema = z.object({
  token: z.string().describe('the token: shown once, only its hash is stored'),
  record: TokenSchema,
});

// ── the schemas describe the TypeScript types (compile-time checks) ────────────────────────────────────────────
// Loose objects carry an index signature that TypeScript interfaces lack; compare the declared fields only.
type Declared<T> = T extends ReadonlyArray<infer U>
  ? Array<Declared<U>>
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Declared<T[K]> }
    : T;
type Assignable<T, U> = [T] extends [Declared<U>] ? true : false;
/** Same field names (so no field is silently dropped by the serializer). */
type SameKeys<T, S> = [Exclude<keyof T, keyof S>] extends [never] ? ([Exclude<keyof S, keyof T>] extends [never] ? true : false) : false;
type Check<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;
export type SchemaKeyChecks = [
  Check<SameKeys<Report, Out<typeof ReportSchema>>>,
  Check<SameKeys<Report['scan'], Out<typeof ReportSchema>['scan']>>,
  Check<SameKeys<Report['scan']['collectors'][number], Out<typeof CollectorRunSchema>>>,
  Check<SameKeys<Report['level'], Out<typeof LevelSchema>>>,
  Check<SameKeys<NonNullable<Report['level']['scope']>, Out<typeof LevelScopeSchema>>>,
  Check<SameKeys<NonNullable<TenantSummary['scope']>, Out<typeof LevelScopeSchema>>>,
  Check<SameKeys<Required<Report['capabilities'][number]>, Out<typeof CapabilityScoreSchema>>>,
  Check<SameKeys<Report['findings'][number], Out<typeof FindingSchema>>>,
  Check<SameKeys<Evidence, Out<typeof EvidenceSchema>>>,
  Check<SameKeys<Report['regression'], Out<typeof ReportSchema>['regression']>>,
  Check<SameKeys<Report['regression']['drops'][number], Out<typeof RegressionDropSchema>>>,
  Check<SameKeys<Report['roadmap'][number], Out<typeof RoadmapItemSchema>>>,
  Check<SameKeys<ScanSummary, Out<typeof ScanSummarySchema>>>,
  Check<SameKeys<TenantSummary, Out<typeof TenantSummarySchema>>>,
  Check<SameKeys<Benchmark, Out<typeof BenchmarkSchema>>>,
  Check<SameKeys<BenchmarkScore, Out<typeof BenchmarkScoreSchema>>>,
  Check<SameKeys<NonNullable<BenchmarkScore['band']>, NonNullable<Out<typeof BenchmarkScoreSchema>['band']>>>,
  Check<SameKeys<Episode, Out<typeof EpisodeSchema>>>,
  Check<SameKeys<Attestation, Out<typeof AttestationSchema>>>,
  Check<SameKeys<AuditEntry, Out<typeof AuditEntrySchema>>>,
  Check<SameKeys<OffenderPage, Out<typeof OffenderPageSchema>>>,
  Check<SameKeys<ScanDiff, Out<typeof ScanDiffSchema>>>,
  Check<SameKeys<PublicToken, Out<typeof TokenSchema>>>,
  Check<SameKeys<Principal, Out<typeof PrincipalSchema>>>,
];
export type SchemaChecks = [
  Check<Assignable<Report, z.input<typeof ReportSchema>>>,
  Check<Assignable<Evidence, z.input<typeof EvidenceSchema>>>,
  Check<Assignable<ScanSummary, z.input<typeof ScanSummarySchema>>>,
  Check<Assignable<TenantSummary, z.input<typeof TenantSummarySchema>>>,
  Check<Assignable<Benchmark, z.input<typeof BenchmarkSchema>>>,
  Check<Assignable<Episode, z.input<typeof EpisodeSchema>>>,
  Check<Assignable<Attestation, z.input<typeof AttestationSchema>>>,
  Check<Assignable<AuditEntry, z.input<typeof AuditEntrySchema>>>,
  Check<Assignable<OffenderPage, z.input<typeof OffenderPageSchema>>>,
  Check<Assignable<ScanDiff, z.input<typeof ScanDiffSchema>>>,
  Check<Assignable<PublicToken, z.input<typeof TokenSchema>>>,
];
