/**
 * The format of a framework mapping (rules/frameworks/*.yaml, DESIGN §14): strategies, each a list of requirements
 * that belong to one or more maturity levels and are either judged from catalog evidence (the rule condition format)
 * or not assessable with the reason. Data only: this schema plus the evidence catalog decide whether a file is valid.
 */
import { z } from 'zod';
import { ConditionSchema } from '../engine/rule-schema.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case words joined by dashes');

export const FrameworkCheckSchema = z
  .object({
    evidence: z.string().min(1),
    measure: z.string().min(1),
    pass: ConditionSchema,
  })
  .strict();
export type FrameworkCheck = z.infer<typeof FrameworkCheckSchema>;

export const FrameworkRequirementSchema = z
  .object({
    id: slug,
    controls: z.array(z.string().regex(/^ISM-\d{4}$/, 'controls are ISM ids like ISM-1504')).min(1),
    title: z.string().min(1),
    /** The maturity levels whose complete requirement set includes this requirement (contiguous, 1–3). */
    levels: z.array(z.number().int().min(1).max(3)).min(1),
    /** Judged from evidence: every check must pass. */
    checks: z.array(FrameworkCheckSchema).min(1).optional(),
    /** `false`: no evidence Ratchet reads can judge it; `reason` says why. */
    assessable: z.literal(false).optional(),
    /** The checks can only show the requirement is not met; that it is met needs an attestation. */
    refuteOnly: z.boolean().optional(),
    reason: z.string().min(1).optional(),
    /** The attestation kind that satisfies it when evidence cannot (a higher level of the same strategy covers it too). */
    attestation: z.string().min(1).optional(),
    /** Requirements of the next level that replace this one (it stops short of level 3). */
    replacedBy: z.array(slug).min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.checks === undefined) === (r.assessable === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either `checks` (judged from evidence) or `assessable: false` with a `reason`', path: [] });
    }
    if (r.assessable === false && !r.reason) ctx.addIssue({ code: 'custom', message: 'a not-assessable requirement needs a `reason` (why no evidence can judge it)', path: ['reason'] });
    if (r.refuteOnly && !r.checks) ctx.addIssue({ code: 'custom', message: '`refuteOnly` needs `checks`', path: ['refuteOnly'] });
    if (r.refuteOnly && !r.reason) ctx.addIssue({ code: 'custom', message: '`refuteOnly` needs a `reason` (why the checks cannot show it is met)', path: ['reason'] });
  });
export type FrameworkRequirement = z.infer<typeof FrameworkRequirementSchema>;

export const FrameworkStrategySchema = z
  .object({
    id: slug,
    name: z.string().min(1),
    requirements: z.array(FrameworkRequirementSchema).min(1),
  })
  .strict();
export type FrameworkStrategy = z.infer<typeof FrameworkStrategySchema>;

export const FrameworkFileSchema = z
  .object({
    model: z.string().min(1),
    strategies: z.array(FrameworkStrategySchema).min(1),
  })
  .strict();
export type Framework = z.infer<typeof FrameworkFileSchema>;
