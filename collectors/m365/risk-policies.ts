/**
 * `m365.risk_policies` from the Conditional Access policies already read: an *enabled* (not report-only) policy for
 * all users that acts on sign-in risk, and one on user risk, each with a grant (MFA, an authentication strength, a
 * password change or block). Risk conditions need Entra ID P2 (Identity Protection). CIS Microsoft 365 Foundations
 * 5.2.2.6 (user risk policy) and 5.2.2.7 (sign-in risk policy).
 *
 * A policy acts on risk only through the levels Identity Protection detects: `low`, `medium`, `high`. The riskLevel
 * enum also has `none` (no risk detected), `hidden` and `unknownFutureValue`
 * (https://learn.microsoft.com/graph/api/resources/conditionalaccessconditionset?view=graph-rest-1.0): a policy on
 * those alone never triggers on a risky sign-in or user.
 */
import type { ConditionalAccessPolicy } from './schema.js';

export interface RiskPoliciesValue extends Record<string, unknown> {
  signInRisk: boolean;
  userRisk: boolean;
  both: boolean;
  signInRiskPolicies: string[];
  userRiskPolicies: string[];
}

const ACTING_CONTROLS = new Set(['mfa', 'block', 'passwordchange']);
const RISK_LEVELS = new Set(['low', 'medium', 'high']);

const onRisk = (levels: readonly string[]) => levels.some((l) => RISK_LEVELS.has(l.toLowerCase()));

function acts(p: ConditionalAccessPolicy): boolean {
  const g = p.grantControls;
  if (!g) return false;
  return g.builtInControls.some((c) => ACTING_CONTROLS.has(c.toLowerCase())) || Boolean(g.authenticationStrength);
}

function forAllUsers(p: ConditionalAccessPolicy): boolean {
  const users = p.conditions.users;
  const apps = p.conditions.applications;
  return Boolean(users?.includeUsers.includes('All')) && Boolean(apps?.includeApplications.includes('All'));
}

export function deriveRiskPolicies(policies: readonly ConditionalAccessPolicy[]): RiskPoliciesValue {
  const candidates = policies.filter((p) => p.state === 'enabled' && acts(p) && forAllUsers(p));
  const name = (p: ConditionalAccessPolicy) => p.displayName ?? p.id;
  const signIn = candidates.filter((p) => onRisk(p.conditions.signInRiskLevels)).map(name);
  const user = candidates.filter((p) => onRisk(p.conditions.userRiskLevels)).map(name);
  return {
    signInRisk: signIn.length > 0,
    userRisk: user.length > 0,
    both: signIn.length > 0 && user.length > 0,
    signInRiskPolicies: signIn,
    userRiskPolicies: user,
  };
}
