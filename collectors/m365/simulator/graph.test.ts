import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionalAccessPolicy, managedDevice, roleAssignment, secureScore, subscribedSku, userRegistrationDetails, directoryUser } from '../schema.js';
import { startM365Simulator as startSimulator, type M365Simulator as Simulator, type M365TenantInfo as SimulatedTenantInfo } from './simulator.js';
import { FIXED_NOW } from '../../../src/simulator/test-support.js';
import { accessToken, graphGet, pageAll } from './test-support.js';

const GA = '62e90394-69f5-4237-9190-012177145e10';

describe('simulated Graph endpoints', () => {
  let sim: Simulator;
  let t: SimulatedTenantInfo;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({
      now: FIXED_NOW,
      tenants: [
        { id: 'contoso', name: 'Contoso Ltd', profile: 'level3', seed: 7, knobs: { users: 1234, devices: 2345 } },
        { id: 'basic', name: 'Basic Co', profile: 'level2', seed: 8, knobs: { users: 40, devices: 12, licence: 'none' } },
      ],
    });
    t = sim.tenants[0]!;
    token = await accessToken(sim, t);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('pages /users with $top: every row exactly once, nextLink followed verbatim', async () => {
    const { items, pages, first } = await pageAll(sim, token, '/users?$select=id,userPrincipalName,userType,accountEnabled&$top=100');
    expect(items.length).toBe(1234);
    expect(pages).toBe(13);
    expect(new Set(items.map((u) => u.id)).size).toBe(1234);
    expect(String(first['@odata.nextLink'])).toMatch(new RegExp(`^${sim.url}/v1\\.0/users\\?.*\\$skiptoken=`));
    expect(String(first['@odata.context'])).toBe(`${sim.url}/v1.0/$metadata#users(id,userPrincipalName,userType,accountEnabled)`);
    for (const u of items) expect(directoryUser.safeParse(u).success).toBe(true);
  });

  it('defaults to 100 users per page and refuses $top above 999', async () => {
    const page = await graphGet(sim, token, '/users');
    expect((page.json().value as unknown[]).length).toBe(100);
    const big = await graphGet(sim, token, '/users?$top=1000');
    expect(big.status).toBe(400);
    expect(big.json().error).toMatchObject({ code: 'Request_BadRequest' });
  });

  it('pages the registration report at 999 and managed devices at their default of 1000', async () => {
    const reg = await pageAll(sim, token, '/reports/authenticationMethods/userRegistrationDetails?$select=id,userPrincipalName,userType,isAdmin,isMfaRegistered,isMfaCapable&$top=999');
    expect(reg.pages).toBe(2);
    expect(new Set(reg.items.map((r) => r.id)).size).toBe(1234);
    for (const r of reg.items) expect(userRegistrationDetails.safeParse(r).success).toBe(true);
    const dev = await pageAll(sim, token, '/deviceManagement/managedDevices');
    expect(dev.pages).toBe(3);
    expect(new Set(dev.items.map((d) => d.id)).size).toBe(2345);
    for (const d of dev.items.slice(0, 50)) expect(managedDevice.safeParse(d).success).toBe(true);
  });

  it('refuses a tampered or foreign $skiptoken', async () => {
    const first = (await graphGet(sim, token, '/users?$top=5')).json();
    const link = String(first['@odata.nextLink']);
    const tampered = link.replace(/\$skiptoken=(.)/, (_m, c: string) => `$skiptoken=${c === 'A' ? 'B' : 'A'}`);
    expect((await graphGet(sim, token, tampered)).status).toBe(400);
    // The same token on a different query is refused too.
    const token2 = new URL(link).searchParams.get('$skiptoken')!;
    expect((await graphGet(sim, token, `/users?$top=6&$skiptoken=${token2}`)).status).toBe(400);
  });

  it('$select returns only the selected properties plus id', async () => {
    const body = (await graphGet(sim, token, '/users?$select=userPrincipalName&$top=3')).json();
    for (const u of body.value as Record<string, unknown>[]) expect(Object.keys(u).sort()).toEqual(['id', 'userPrincipalName']);
    const bad = await graphGet(sim, token, '/users?$select=nope');
    expect(bad.status).toBe(400);
  });

  it('supports the collector filters, with $count under ConsistencyLevel eventual', async () => {
    const truth = sim.truth('contoso');
    const disabled = await pageAll(sim, token, '/users?$filter=accountEnabled eq false&$select=id&$count=true&$top=999', { ConsistencyLevel: 'eventual' });
    expect(disabled.first['@odata.count']).toBe(truth.users.disabled);
    expect(disabled.items.length).toBe(truth.users.disabled);
    const eligible = await graphGet(sim, token, "/users?$filter=accountEnabled eq true and userType eq 'Member'&$count=true&$top=1&$select=id", { ConsistencyLevel: 'eventual' });
    expect(eligible.json()['@odata.count']).toBe(truth.users.enabledMembers);
    // Without the header, $count on directory objects is an advanced query Graph refuses.
    const noHeader = await graphGet(sim, token, '/users?$filter=accountEnabled eq false&$count=true');
    expect(noHeader.status).toBe(400);
    // Filters outside the supported slice are refused with a Graph error, not ignored.
    for (const q of ["/users?$filter=startswith(displayName,'A')", '/users?$filter=accountEnabled ne false', '/users?$filter=jobTitle eq true', '/users?$filter=accountEnabled eq \'yes\'']) {
      const r = await graphGet(sim, token, q);
      expect(r.status, q).toBe(400);
      expect((r.json().error as Record<string, unknown>).code).toMatch(/BadRequest|UnsupportedQuery/);
    }
  });

  it('filters the registration report on its boolean flags', async () => {
    const truth = sim.truth('contoso');
    const admins = await pageAll(sim, token, '/reports/authenticationMethods/userRegistrationDetails?$filter=isAdmin eq true');
    expect(admins.items.length).toBe(truth.registration.admins);
  });

  it('lists Global Administrator assignments with the principal expanded', async () => {
    const truth = sim.truth('contoso');
    const body = (await graphGet(sim, token, `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${GA}'&$select=id,principalId,roleDefinitionId,directoryScopeId&$expand=principal`)).json();
    const rows = body.value as Record<string, unknown>[];
    expect(rows.length).toBe(truth.admins.globalAdmins);
    for (const r of rows) {
      expect(roleAssignment.safeParse(r).success).toBe(true);
      expect(r).toMatchObject({ roleDefinitionId: GA, directoryScopeId: '/', principal: { '@odata.type': '#microsoft.graph.user' } });
    }
    const all = (await graphGet(sim, token, '/roleManagement/directory/roleAssignments')).json().value as Record<string, unknown>[];
    expect(all.length).toBe(truth.registration.admins + 1);
    expect(all.every((r) => !('principal' in r))).toBe(true);
    expect(all.some((r) => r.roleDefinitionId !== GA)).toBe(true);
  });

  it('counts an excluded group\'s transitive user members as text/plain, only under ConsistencyLevel eventual', async () => {
    const truth = sim.truth('contoso');
    const groups = (await graphGet(sim, token, '/groups?$select=id&$top=1')).json().value as Array<{ id: string }>;
    const id = groups[0]!.id;
    // The all-users MFA policy excludes break-glass users by id and this group.
    const policies = (await graphGet(sim, token, '/identity/conditionalAccess/policies')).json().value as Array<Record<string, unknown>>;
    const allUsers = policies.map((p) => conditionalAccessPolicy.parse(p)).find((p) => p.displayName?.startsWith('CA002'))!;
    expect(allUsers.conditions.users?.excludeGroups).toEqual([id]);
    const path = `/groups/${id}/transitiveMembers/microsoft.graph.user/$count`;
    const ok = await graphGet(sim, token, path, { ConsistencyLevel: 'eventual' });
    expect(ok.status).toBe(200);
    expect(String(ok.headers['content-type'])).toMatch(/^text\/plain/);
    expect(ok.text).toMatch(/^\d+$/);
    expect(allUsers.conditions.users!.excludeUsers.length + Number(ok.text)).toBe(truth.enforcement.excludedUsers);
    const noHeader = await graphGet(sim, token, path);
    expect(noHeader.status).toBe(400);
    expect(noHeader.json().error).toMatchObject({ code: 'Request_BadRequest', message: '$count is not currently supported.' });
    const unknown = await graphGet(sim, token, '/groups/00000000-0000-4000-8000-000000000000/transitiveMembers/microsoft.graph.user/$count', { ConsistencyLevel: 'eventual' });
    expect(unknown.status).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'Request_ResourceNotFound' });
  });

  it('sizes the exclusion group from the excludedPrincipals knob beyond the break-glass accounts', async () => {
    const s2 = await startSimulator({
      now: FIXED_NOW,
      tenants: [
        { id: 'wide', name: 'Wide', profile: 'level3', seed: 9, knobs: { users: 300, caPolicies: { excludedPrincipals: 8 } } },
        // GroupMember.Read.All not granted: the permission fault covers every /groups path.
        { id: 'nogroups', name: 'No Groups', profile: 'level3', seed: 10, faults: { forbidden: ['/groups'] } },
      ],
    });
    try {
      const tk = await accessToken(s2, s2.tenants[0]!);
      const id = ((await graphGet(s2, tk, '/groups')).json().value as Array<{ id: string }>)[0]!.id;
      const count = await graphGet(s2, tk, `/groups/${id}/transitiveMembers/microsoft.graph.user/$count`, { ConsistencyLevel: 'eventual' });
      // 3 Global Administrators are break-glass (excluded by id), the other 5 sit in the group.
      expect(count.text).toBe('5');
      expect(s2.truth('wide').enforcement).toMatchObject({ allUsers: true, excludedPrincipals: 4, excludedUsers: 8 });
      const tk2 = await accessToken(s2, s2.tenants[1]!);
      const refused = await graphGet(s2, tk2, `/groups/${id}/transitiveMembers/microsoft.graph.user/$count`, { ConsistencyLevel: 'eventual' });
      expect(refused.status).toBe(403);
      expect(refused.json().error).toMatchObject({ code: 'Authorization_RequestDenied' });
    } finally {
      await s2.close();
    }
  });

  it('returns documented shapes for policies, security defaults, Secure Score and SKUs', async () => {
    const ca = (await graphGet(sim, token, '/identity/conditionalAccess/policies?$select=id,displayName,state,conditions,grantControls')).json();
    for (const p of ca.value as unknown[]) expect(conditionalAccessPolicy.safeParse(p).success).toBe(true);
    const sd = (await graphGet(sim, token, '/policies/identitySecurityDefaultsEnforcementPolicy')).json();
    expect(sd).toMatchObject({ id: '00000000-0000-0000-0000-000000000005', displayName: 'Security Defaults', isEnabled: false });
    const scores = (await graphGet(sim, token, '/security/secureScores?$top=1')).json();
    const value = scores.value as Record<string, unknown>[];
    expect(value.length).toBe(1);
    expect(secureScore.safeParse(value[0]).success).toBe(true);
    expect(value[0]!.id).toBe(`${t.tenantId}_${FIXED_NOW.toISOString().slice(0, 10)}`);
    const skus = (await graphGet(sim, token, '/subscribedSkus')).json();
    for (const s of skus.value as unknown[]) expect(subscribedSku.safeParse(s).success).toBe(true);
  });

  it('serves per-user authentication methods consistent with the registration report', async () => {
    const reg = (await graphGet(sim, token, '/reports/authenticationMethods/userRegistrationDetails?$top=60')).json().value as Record<string, unknown>[];
    for (const r of reg) {
      const methods = (await graphGet(sim, token, `/users/${r.id as string}/authentication/methods`)).json().value as Record<string, unknown>[];
      const types = methods.map((m) => String(m['@odata.type']).replace('#microsoft.graph.', ''));
      expect(types).toContain('passwordAuthenticationMethod');
      const strong = types.filter((x) => !['passwordAuthenticationMethod', 'emailAuthenticationMethod'].includes(x));
      expect(strong.length > 0).toBe(r.isMfaRegistered);
      if (types.includes('fido2AuthenticationMethod')) expect(r.methodsRegistered).toContain('fido2');
    }
    const missing = await graphGet(sim, token, '/users/00000000-0000-4000-8000-000000000000/authentication/methods');
    expect(missing.status).toBe(404);
    expect((missing.json().error as Record<string, unknown>).code).toBe('Request_ResourceNotFound');
  });

  it('answers unknown paths and methods with Graph error bodies', async () => {
    const r = await graphGet(sim, token, '/nothingHere');
    expect(r.status).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'BadRequest', innerError: { 'request-id': expect.any(String) } });
    expect(r.headers['request-id']).toBeTruthy();
  });

  it('behaves like a tenant without Entra ID P1 or Intune when licence is none', async () => {
    const basic = sim.tenants[1]!;
    const tok = await accessToken(sim, basic);
    const reg = await graphGet(sim, tok, '/reports/authenticationMethods/userRegistrationDetails');
    expect(reg.status).toBe(403);
    expect((reg.json().error as Record<string, unknown>).code).toBe('Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    const dev = await graphGet(sim, tok, '/deviceManagement/managedDevices');
    expect(dev.status).toBe(400);
    expect(String((dev.json().error as Record<string, unknown>).message)).toMatch(/not applicable to target tenant/i);
    const ca = await graphGet(sim, tok, '/identity/conditionalAccess/policies');
    expect(ca.status).toBe(200);
    expect(ca.json().value).toEqual([]);
    const skus = (await graphGet(sim, tok, '/subscribedSkus')).json().value as Array<{ servicePlans: Array<{ servicePlanName: string }> }>;
    const plans = skus.flatMap((s) => s.servicePlans.map((p) => p.servicePlanName));
    expect(plans.some((p) => p.startsWith('AAD_PREMIUM') || p.startsWith('INTUNE'))).toBe(false);
    // The per-user methods API needs no licence: it is the collector's fallback.
    const users = (await graphGet(sim, tok, '/users?$top=1')).json().value as Array<{ id: string }>;
    expect((await graphGet(sim, tok, `/users/${users[0]!.id}/authentication/methods`)).status).toBe(200);
  });
});
