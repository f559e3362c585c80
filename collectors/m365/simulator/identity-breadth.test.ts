/**
 * The simulator's identity breadth endpoints: documented shapes (the collector's own zod schemas accept them), the
 * signInActivity filters with paging, licence answers, believable differences between the profiles, and the
 * collector over real sockets reporting the simulator's ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticationMethodsPolicy, authorizationPolicyBody, passwordDomain, roleSchedule, userSignIn } from '../identity-schema.js';
import { deriveGuestAccess, deriveUserConsent } from '../authorization-policy.js';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator } from './simulator.js';
import { FIXED_NOW } from '../../../src/simulator/test-support.js';
import { accessToken, graphGet, pageAll } from './test-support.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('simulated identity breadth endpoints', () => {
  let sim: Simulator;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    sim = await startSimulator({
      now: FIXED_NOW,
      tenants: [
        { id: 'l1', name: 'Level One', profile: 'level1', seed: 11, knobs: { users: 700, devices: 10 } },
        { id: 'l4', name: 'Level Four', profile: 'level4', seed: 14, knobs: { users: 300, devices: 10 } },
        { id: 'basic', name: 'Basic Co', profile: 'level2', seed: 8, knobs: { users: 40, devices: 12, licence: 'none' } },
      ],
    });
    for (const t of sim.tenants) tokens[t.id] = await accessToken(sim, t);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('level1 lets everyone invite and consent with SMS and voice on; level4 restricts both and turns them off', async () => {
    const l1 = authorizationPolicyBody.parse((await graphGet(sim, tokens.l1!, '/policies/authorizationPolicy')).json());
    const l4 = authorizationPolicyBody.parse((await graphGet(sim, tokens.l4!, '/policies/authorizationPolicy')).json());
    expect(deriveGuestAccess(l1)).toMatchObject({ allowInvitesFrom: 'everyone', invitesRestricted: false });
    expect(deriveUserConsent(l1)).toMatchObject({ userConsent: 'all_apps', usersCanRegisterApps: true });
    expect(deriveGuestAccess(l4)).toMatchObject({ invitesRestricted: true, guestAccessRestricted: true });
    expect(deriveUserConsent(l4)).toMatchObject({ userConsent: 'none', usersCanRegisterApps: false });
    const methods = (id: string) => graphGet(sim, tokens[id]!, '/policies/authenticationMethodsPolicy').then((r) => authenticationMethodsPolicy.parse(r.json()));
    const state = (p: Awaited<ReturnType<typeof methods>>, id: string) => p.authenticationMethodConfigurations.find((c) => c.id === id)?.state;
    expect(state(await methods('l1'), 'Sms')).toBe('enabled');
    expect(state(await methods('l4'), 'Sms')).toBe('disabled');
    expect(state(await methods('l4'), 'Fido2')).toBe('enabled');
  });

  it('filters users on the last successful sign-in, pages at most 500, and agrees with the truth', async () => {
    const cutoff = iso(FIXED_NOW.getTime() - 45 * DAY);
    const { items, pages } = await pageAll(sim, tokens.l1!, `/users?$filter=signInActivity/lastSuccessfulSignInDateTime le ${cutoff}&$select=id,userType,accountEnabled,createdDateTime,signInActivity&$top=10`);
    expect(pages).toBeGreaterThan(1);
    for (const u of items) {
      const parsed = userSignIn.parse(u);
      expect(Date.parse(parsed.signInActivity!.lastSuccessfulSignInDateTime!)).toBeLessThanOrEqual(Date.parse(cutoff));
      expect(Object.keys(u).sort()).toEqual(['accountEnabled', 'createdDateTime', 'id', 'signInActivity', 'userType']);
    }
    const never = await pageAll(sim, tokens.l1!, '/users?$filter=signInActivity/lastSuccessfulSignInDateTime eq null&$top=500');
    expect(never.items.length).toBeGreaterThan(0);
    for (const u of never.items) expect(userSignIn.parse(u).signInActivity?.lastSuccessfulSignInDateTime ?? null).toBeNull();
    // 90-day idle members by the two queries = the truth.
    const idle90 = [...items, ...never.items].filter((u) => {
      const p = userSignIn.parse(u);
      const since = p.signInActivity?.lastSuccessfulSignInDateTime ?? p.createdDateTime!;
      return p.userType === 'Member' && p.accountEnabled !== false && FIXED_NOW.getTime() - Date.parse(since) >= 90 * DAY;
    }).length;
    expect(idle90).toBe(sim.truth('l1').identity.inactive!.membersInactive90d);
    expect(sim.truth('l1').identity.inactive!.privilegedInactive45d).toBe(1);
    // Page size capped at 500 with signInActivity.
    const big = await graphGet(sim, tokens.l1!, `/users?$filter=signInActivity/lastSuccessfulSignInDateTime le ${iso(FIXED_NOW.getTime())}&$top=999`);
    expect((big.json().value as unknown[]).length).toBe(500);
  });

  it('refuses signInActivity without Entra ID P1 and PIM without P2, as Graph does', async () => {
    const signIn = await graphGet(sim, tokens.basic!, '/users?$filter=signInActivity/lastSuccessfulSignInDateTime eq null');
    expect(signIn.status).toBe(403);
    expect((signIn.json() as { error: { code: string } }).error.code).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    const pim = await graphGet(sim, tokens.l1!, "/roleManagement/directory/roleEligibilitySchedules?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'");
    expect(pim.status).toBe(403);
    // A signInActivity filter combined with another property is refused, as documented.
    const combined = await graphGet(sim, tokens.l4!, `/users?$filter=signInActivity/lastSuccessfulSignInDateTime eq null and accountEnabled eq true`);
    expect(combined.status).toBe(400);
  });

  it('level4 uses PIM: break-glass permanent, the other Global Administrators eligible', async () => {
    const filter = "?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'";
    const eligible = (await graphGet(sim, tokens.l4!, `/roleManagement/directory/roleEligibilitySchedules${filter}`)).json().value as unknown[];
    const active = (await graphGet(sim, tokens.l4!, `/roleManagement/directory/roleAssignmentSchedules${filter}`)).json().value as unknown[];
    expect(eligible.map((r) => roleSchedule.parse(r).scheduleInfo?.expiration?.type)).toEqual(['afterDateTime', 'afterDateTime']);
    expect(active.map((r) => roleSchedule.parse(r).scheduleInfo?.expiration?.type)).toEqual(['noExpiration']);
    expect(sim.truth('l4').identity.pim).toEqual({ eligible: 2, permanent: 1, inUse: true });
  });

  it('serves verified domains with their password validity', async () => {
    const l1 = ((await graphGet(sim, tokens.l1!, '/domains?$select=id,isVerified,passwordValidityPeriodInDays')).json().value as unknown[]).map((d) => passwordDomain.parse(d));
    const l4 = ((await graphGet(sim, tokens.l4!, '/domains')).json().value as unknown[]).map((d) => passwordDomain.parse(d));
    expect(l1.map((d) => d.passwordValidityPeriodInDays)).toEqual([90, 90]);
    expect(l4.every((d) => d.passwordValidityPeriodInDays === 2147483647)).toBe(true);
  });
});
