/**
 * `m365.accounts.inactive`: enabled members and guests with no successful sign-in for 90 days, and privileged
 * accounts (any directory role) idle 45 days. CIS Microsoft 365 Foundations 5.1.6.x/ CIS Controls 5.3 (disable
 * dormant accounts after 45 days), ISM-1404 (disable unused accounts after 45 days).
 *
 * Scale: signInActivity caps a users page at 500 (120 in older revisions of the docs), so the whole directory is
 * never paged with it. Two filtered queries run beside the registration paging and only return the candidates:
 *   - `signInActivity/lastSuccessfulSignInDateTime le {now − 45 d}`, and
 *   - `… eq null`: no successful sign-in on record — never signed in, or none since Microsoft began recording the
 *     property on 2023-12-01 (it was not backfilled). Such an account counts as inactive once it is older than the
 *     window (createdDateTime), so a new hire who has not signed in yet is not flagged.
 * The denominators (enabled members, enabled guests, privileged accounts) come from the registration report already
 * paged for MFA, so no request is spent on them.
 *
 * Why lastSuccessfulSignInDateTime and not lastSignInDateTime: the latter records interactive *attempts*, failed
 * ones included, so a password spray against a dormant account would make it look active; and it ignores
 * non-interactive sign-ins, so a mailbox used only through a refreshed token would look dormant. The successful
 * sign-in (interactive or not) is when the account was really used — Microsoft's guidance for inactive accounts.
 */
import { classify, type ClassifyOptions } from './errors.js';
import { RequestCounter, RequestTag } from './graph.js';
import { IDENTITY_ENDPOINTS, IDENTITY_QUERIES, isoCutoff } from './identity-endpoints.js';
import { userSignIn, type UserSignIn } from './identity-schema.js';
import type { LicenseValue } from './licenses.js';
import { pct } from '../../src/domain/evidence.js';
import type { Failure } from '../../src/collector-kit/failure.js';
import type { Outcome } from './evidence.js';
import { iteratePages, type GraphContext } from './requests.js';

const DAY = 86_400_000;
export const INACTIVE_DAYS = 90;
export const PRIVILEGED_INACTIVE_DAYS = 45;

/** What the two filtered queries found: counts, plus the ids idle 45 days (to meet the privileged accounts). */
export class InactiveTally {
  membersInactive90d = 0;
  guestsInactive90d = 0;
  readonly idle45 = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(private readonly now: Date) {}

  add(u: UserSignIn, neverSignedIn: boolean): void {
    if (u.accountEnabled === false || this.seen.has(u.id)) return;
    this.seen.add(u.id);
    const last = recordedSignIn(u.signInActivity?.lastSuccessfulSignInDateTime);
    // No sign-in on record: idle since creation; an unknown creation date never counts in the tenant's favour.
    const since = neverSignedIn || last === null ? (u.createdDateTime ? Date.parse(u.createdDateTime) : -Infinity) : last;
    const idleDays = (this.now.getTime() - since) / DAY;
    if (idleDays < PRIVILEGED_INACTIVE_DAYS) return;
    this.idle45.add(u.id);
    if (idleDays < INACTIVE_DAYS) return;
    if ((u.userType ?? '').toLowerCase() === 'guest') this.guestsInactive90d += 1;
    else this.membersInactive90d += 1;
  }
}

/**
 * Sign-in activity has answered "none on record" with .NET's DateTime.MinValue, `0001-01-01T00:00:00Z`, instead of
 * null (seen on lastNonInteractiveSignInDateTime in Microsoft's own examples). The `le` filter returns such users
 * too, so read any instant before Entra ID existed as no sign-in: then the account's age decides, as for null, and a
 * new hire is not flagged as idle for two thousand years.
 */
const NO_SIGN_IN_BEFORE = Date.parse('2000-01-01T00:00:00Z');

function recordedSignIn(at: string | null | undefined): number | null {
  if (!at) return null;
  const t = Date.parse(at);
  return Number.isNaN(t) || t < NO_SIGN_IN_BEFORE ? null : t;
}

export interface InactiveDeps {
  g: GraphContext;
  now: Date;
  classifyOptions: ClassifyOptions;
  licences: LicenseValue | null;
  counter: RequestCounter;
}

export function notLicensedForSignInActivity(): Failure {
  return {
    status: 'unavailable',
    reasonCode: 'not_licensed',
    reason: `sign-in activity (users signInActivity) needs ${IDENTITY_ENDPOINTS.signInActivity.licence}, which the tenant does not have`,
  };
}

/** Run the two candidate queries concurrently. */
export async function scanInactiveCandidates(deps: InactiveDeps): Promise<Outcome<InactiveTally>> {
  if (deps.licences && !deps.licences.entraP1) return { ok: false, failure: notLicensedForSignInActivity() };
  const tally = new InactiveTally(deps.now);
  const tag = new RequestTag(deps.counter);
  const cutoff = isoCutoff(deps.now, PRIVILEGED_INACTIVE_DAYS);
  try {
    await Promise.all([
      iteratePages(deps.g, { url: IDENTITY_QUERIES.signedInBefore(cutoff), itemSchema: userSignIn, tag, onItem: (u) => tally.add(u, false) }),
      iteratePages(deps.g, { url: IDENTITY_QUERIES.neverSignedIn, itemSchema: userSignIn, tag, onItem: (u) => tally.add(u, true) }),
    ]);
  } catch (err) {
    return { ok: false, failure: classify(err, IDENTITY_ENDPOINTS.signInActivity, deps.classifyOptions, deps.licences?.entraP1) };
  }
  return { ok: true, value: tally };
}

export interface Population {
  /** Enabled member accounts (the registration report's eligible population). */
  members: number;
  /** Enabled guest accounts seen in the registration report. */
  guests: number;
  /** Ids of enabled accounts holding any directory role (report isAdmin, plus Global Administrators). */
  privilegedIds: ReadonlySet<string>;
}

export interface InactiveValue extends Record<string, unknown> {
  members: number;
  membersInactive90d: number;
  membersInactivePct: number | null;
  guests: number;
  guestsInactive90d: number;
  privileged: number;
  privilegedInactive45d: number;
  signInProperty: 'lastSuccessfulSignInDateTime';
}

export function deriveInactive(tally: InactiveTally, population: Population): InactiveValue {
  let privilegedIdle = 0;
  for (const id of population.privilegedIds) if (tally.idle45.has(id)) privilegedIdle += 1;
  return {
    members: population.members,
    membersInactive90d: tally.membersInactive90d,
    membersInactivePct: pct(tally.membersInactive90d, population.members),
    guests: population.guests,
    guestsInactive90d: tally.guestsInactive90d,
    privileged: population.privilegedIds.size,
    privilegedInactive45d: privilegedIdle,
    signInProperty: 'lastSuccessfulSignInDateTime',
  };
}
