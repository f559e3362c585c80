/**
 * The profile names of a simulated tenant: the maturity level its generated data is built to reach. The host only
 * names them (the estate and every vendor's data key off the same name); what each profile means for a vendor's
 * data lives with that vendor (e.g. collectors/m365/simulator/profiles.ts).
 */

export const PROFILE_NAMES = ['level1', 'level2', 'level3', 'level4', 'level5'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && (PROFILE_NAMES as readonly string[]).includes(value);
}
