/**
 * The declarative rule format (DESIGN §7). Rules are data: this schema plus the evidence catalog is all that
 * decides whether a rule file is valid.
 */
import { z } from 'zod';
import { CAPABILITIES } from '../domain/assessment.js';

const literal = z.union([z.number(), z.boolean(), z.string()]);

export const ConditionSchema = z
  .object({
    gte: z.number().optional(),
    gt: z.number().optional(),
    lte: z.number().optional(),
    lt: z.number().optional(),
    eq: literal.optional(),
    in: z.array(literal).min(1).optional(),
  })
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'a condition needs at least one operator: gte, gt, lte, lt, eq or in',
  });
export type Condition = z.infer<typeof ConditionSchema>;

const capabilityIds = CAPABILITIES.map((c) => c.id) as [string, ...string[]];

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'rule ids are lower-case words joined by dashes'),
    capability: z.enum(capabilityIds),
    level: z.number().int().min(2).max(5),
    title: z.string().min(1),
    evidence: z.string().min(1),
    measure: z.string().min(1),
    pass: ConditionSchema,
    /** Linear credit between the partial and the pass threshold (numeric single-bound conditions only). */
    partial: ConditionSchema.optional(),
    weight: z.number().positive().default(1),
    /** Regression on a critical rule is re-checked at once instead of waiting for the next scan (DESIGN §8). */
    critical: z.boolean().default(false),
    /** Advisory rules are reported beside the score but never scored and never gate a level. */
    advisory: z.boolean().default(false),
    /**
     * Preconditions on other measures of the same evidence: the gate passes only when each holds (e.g. exclusions are
     * only "within the allowance" when there is an enforced policy to be excluded from). A precondition that fails
     * fails the gate; one that cannot be measured makes it unknown. Stated in the rule, never hidden in a collector.
     */
    requires: z.record(z.string().min(1), ConditionSchema).optional(),
    /**
     * The alternative evidence the capability rests on when the tenant has no licence for this evidence (reasonCode
     * not_licensed): the gate is then not_applicable with that reason instead of an unknown that pins the tenant.
     */
    whenUnlicensed: z.string().min(1).optional(),
    /**
     * Hysteresis in measure units: a passing value must fall this far past the line before it fails.
     * Default: 2 points for percentages, 0 for counts and flags (a count of unprotected admins has no grey zone).
     */
    deadBand: z.number().min(0).optional(),
    /** Override of the evidence key's freshness limit. */
    maxAgeHours: z.number().positive().optional(),
    unit: z.string().optional(),
    /** Text with {field} placeholders filled from the evidence value, e.g. "{registered} of {eligible} registered". */
    observed: z.string().optional(),
    rationale: z.string().optional(),
    remediation: z.string().min(1),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;
export type RuleInput = z.input<typeof RuleSchema>;

export const RuleFileSchema = z.array(RuleSchema);

/** What config may change per rule (`rules.overrides`). */
export const RuleOverrideSchema = z
  .object({
    pass: ConditionSchema.optional(),
    partial: ConditionSchema.optional(),
    weight: z.number().positive().optional(),
    critical: z.boolean().optional(),
    advisory: z.boolean().optional(),
    deadBand: z.number().min(0).optional(),
    maxAgeHours: z.number().positive().optional(),
  })
  .strict();
export type RuleOverride = z.infer<typeof RuleOverrideSchema>;
