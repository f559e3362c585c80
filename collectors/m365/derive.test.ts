import { describe, expect, it } from 'vitest';
import { OFFENDER_CAP } from '../../src/domain/evidence.js';
import { deriveAdmins, globalAdminPrincipals } from './admins.js';
import { DeviceTally } from './devices.js';
import { RegistrationTally, isStrongMethod } from './mfa-registration.js';
import { roleAssignment } from './schema.js';
import { NOW, fixture } from './test-support.js';

describe('registration tally', () => {
  it('caps the offender list but keeps the true count', () => {
    const t = new RegistrationTally();
    for (let i = 0; i < OFFENDER_CAP + 5; i += 1) t.addEligible({ upn: `u${i}@x.com`, registered: false, capable: false, admin: false });
    const v = t.value('registration_report', null);
    expect(v.unregistered).toHaveLength(OFFENDER_CAP);
    expect(v.unregisteredTotal).toBe(OFFENDER_CAP + 5);
    expect(v.pct).toBe(0);
  });

  it('pct is null with no eligible users (nothing to measure is not 0 %)', () => {
    expect(new RegistrationTally().value('registration_report', null)).toMatchObject({ eligible: 0, pct: null, adminPct: null });
  });

  it('treats password, email and Temporary Access Pass as not MFA', () => {
    expect(isStrongMethod('#microsoft.graph.passwordAuthenticationMethod')).toBe(false);
    expect(isStrongMethod('#microsoft.graph.emailAuthenticationMethod')).toBe(false);
    expect(isStrongMethod('#microsoft.graph.temporaryAccessPassAuthenticationMethod')).toBe(false);
    expect(isStrongMethod('#microsoft.graph.phoneAuthenticationMethod')).toBe(true);
    expect(isStrongMethod('#microsoft.graph.softwareOathAuthenticationMethod')).toBe(true);
    expect(isStrongMethod('#microsoft.graph.windowsHelloForBusinessAuthenticationMethod')).toBe(true);
  });
});

describe('global admins', () => {
  const principals = () => globalAdminPrincipals(fixture<{ value: unknown[] }>('role-assignments-global-admins.json').value.map((a) => roleAssignment.parse(a)));

  it('separates users from role-assignable groups', () => {
    expect(principals().map((p) => [p.kind, p.name])).toEqual([
      ['user', 'ada.admin@contoso.com'],
      ['user', 'bob.admin@contoso.com'],
      ['group', 'Tier-0 Admins'],
    ]);
  });

  it('counts admins without MFA only when registration was measured', () => {
    const measured = new Map([
      ['a1a1a1a1-0000-4000-8000-000000000001', true],
      ['a2a2a2a2-0000-4000-8000-000000000002', false],
    ]);
    expect(deriveAdmins(principals(), measured)).toMatchObject({ globalAdmins: 2, globalAdminsWithoutMfa: 1, withoutMfa: ['bob.admin@contoso.com'], groups: 1 });
    expect(deriveAdmins(principals(), null)).toMatchObject({ globalAdmins: 2, globalAdminsWithoutMfa: null, withoutMfa: [] });
  });
});

describe('device tally', () => {
  it('counts staleness against the injected clock, never-synced devices included', () => {
    const t = new DeviceTally(NOW);
    t.add({ id: '1', deviceName: 'fresh', complianceState: 'compliant', lastSyncDateTime: '2024-05-31T00:00:00Z' });
    t.add({ id: '2', deviceName: 'edge', complianceState: 'compliant', lastSyncDateTime: '2024-05-02T00:00:01Z' });
    t.add({ id: '3', deviceName: 'old', complianceState: 'noncompliant', lastSyncDateTime: '2024-05-01T23:59:59Z' });
    t.add({ id: '4', deviceName: null, complianceState: 'unknown', lastSyncDateTime: '0001-01-01T00:00:00Z' });
    expect(t.value()).toEqual({
      total: 4,
      compliant: 2,
      pct: 50,
      stale30d: 2,
      nonCompliant: ['old', '4'],
      nonCompliantTotal: 2,
      byState: { compliant: 2, noncompliant: 1, unknown: 1 },
    });
  });

  it('an empty estate has no percentage', () => {
    expect(new DeviceTally(NOW).value()).toMatchObject({ total: 0, pct: null });
  });
});
