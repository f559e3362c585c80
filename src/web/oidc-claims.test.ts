/** Claims → person, groups overage and the roleMap rule (oidc-claims.ts). */
import { describe, expect, it } from 'vitest';
import type { RoleMapEntry } from '../config/auth.js';
import { appRolesFromClaims, groupsFromClaims, groupsOverage, mappedNames, mapRoles, personFromClaims } from './oidc-claims.js';

const ISSUER = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000001/v2.0';

describe('personFromClaims', () => {
  it("prefers Entra's oid over sub, and preferred_username for the upn", () => {
    const p = personFromClaims({ sub: 'pairwise-sub', oid: 'oid-1', name: 'Ada Admin', preferred_username: 'ada@msp.example', email: 'other@msp.example', iss: ISSUER }, 'https://fallback');
    expect(p).toEqual({ subject: 'oid-1', name: 'Ada Admin', upn: 'ada@msp.example', issuer: ISSUER });
  });

  it('falls back to sub, upn, then email; the name falls back to the upn; the issuer to the discovered one', () => {
    expect(personFromClaims({ sub: 's-1', upn: 'tom@msp.example' }, 'https://idp')).toEqual({ subject: 's-1', name: 'tom@msp.example', upn: 'tom@msp.example', issuer: 'https://idp' });
    expect(personFromClaims({ sub: 's-2', email: 'vera@msp.example', name: 'Vera' }, 'https://idp')).toEqual({ subject: 's-2', name: 'Vera', upn: 'vera@msp.example', issuer: 'https://idp' });
    expect(personFromClaims({ sub: 's-3' }, 'https://idp')).toEqual({ subject: 's-3', name: 's-3', upn: null, issuer: 'https://idp' });
  });

  it('is null without a subject, and ignores non-string claims', () => {
    expect(personFromClaims({ name: 'Nobody' }, 'https://idp')).toBeNull();
    expect(personFromClaims({ oid: 42, sub: '  ' }, 'https://idp')).toBeNull();
    expect(personFromClaims({ sub: 's', name: ['x'], preferred_username: 7 }, 'https://idp')).toEqual({ subject: 's', name: 's', upn: null, issuer: 'https://idp' });
  });
});

describe('groups and app roles', () => {
  it('reads the configured groups claim and the roles claim, strings only', () => {
    expect(groupsFromClaims({ groups: ['g1', 2, 'g2', ''] }, 'groups')).toEqual(['g1', 'g2']);
    expect(groupsFromClaims({ wids: ['x'], memberOf: ['g3'] }, 'memberOf')).toEqual(['g3']);
    expect(groupsFromClaims({ groups: 'g1' }, 'groups')).toEqual([]);
    expect(appRolesFromClaims({ roles: ['Ratchet.Technician'] })).toEqual(['Ratchet.Technician']);
    expect(appRolesFromClaims({})).toEqual([]);
  });

  it("detects Entra's groups overage: _claim_names naming the groups claim, or hasgroups", () => {
    expect(groupsOverage({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph…' } } }, 'groups')).toBe(true);
    expect(groupsOverage({ hasgroups: true }, 'groups')).toBe(true);
    expect(groupsOverage({ groups: ['g1'] }, 'groups')).toBe(false);
    expect(groupsOverage({ _claim_names: { other: 'src1' } }, 'groups')).toBe(false);
    expect(groupsOverage({ hasgroups: false }, 'groups')).toBe(false);
    expect(groupsOverage({ _claim_names: null }, 'groups')).toBe(false);
  });
});

describe('mapRoles (the roleMap rule)', () => {
  const map: RoleMapEntry[] = [
    { group: 'g-admins', role: 'admin' },
    { group: 'g-tech-cf', role: 'technician', tenants: ['contoso', 'fabrikam'] },
    { group: 'g-tech-nw', role: 'technician', tenants: ['northwind'] },
    { group: 'g-viewers', role: 'viewer' },
    { appRole: 'Ratchet.Technician', role: 'technician' },
    { group: 'g-admin-contoso', role: 'admin', tenants: ['contoso'] },
  ];
  const grant = (groups: string[], appRoles: string[] = []) => mapRoles(map, { groups, appRoles });

  it('no match → null (no sign-in)', () => {
    expect(grant([])).toBeNull();
    expect(grant(['g-unknown'], ['Other.Role'])).toBeNull();
    expect(mapRoles([], { groups: ['g-admins'], appRoles: [] })).toBeNull();
  });

  it('one entry: its role and its tenants (absent = every tenant)', () => {
    expect(grant(['g-viewers'])).toEqual({ role: 'viewer', tenants: null });
    expect(grant(['g-tech-cf'])).toEqual({ role: 'technician', tenants: ['contoso', 'fabrikam'] });
  });

  it('app roles match like groups', () => {
    expect(grant([], ['Ratchet.Technician'])).toEqual({ role: 'technician', tenants: null });
  });

  it('the highest matched role wins', () => {
    expect(grant(['g-viewers', 'g-admins', 'g-tech-cf'])).toEqual({ role: 'admin', tenants: null });
  });

  it('entries with the same role add their tenants up; one of them without tenants means every tenant', () => {
    expect(grant(['g-tech-cf', 'g-tech-nw'])).toEqual({ role: 'technician', tenants: ['contoso', 'fabrikam', 'northwind'] });
    expect(grant(['g-tech-cf'], ['Ratchet.Technician'])).toEqual({ role: 'technician', tenants: null });
  });

  it('a scoped entry limits only its own grant: a lower-role entry does not widen the higher role to its tenants', () => {
    // Viewer of everything + technician of contoso and fabrikam: technician there, not technician of northwind.
    expect(grant(['g-viewers', 'g-tech-cf'])).toEqual({ role: 'technician', tenants: ['contoso', 'fabrikam'] });
    // Technician of everything + admin of contoso: admin of contoso only.
    expect(grant(['g-admin-contoso'], ['Ratchet.Technician'])).toEqual({ role: 'admin', tenants: ['contoso'] });
  });

  it('names the groups and app roles it knows (for the refusal page)', () => {
    expect(mappedNames(map)).toEqual({ groups: ['g-admins', 'g-tech-cf', 'g-tech-nw', 'g-viewers', 'g-admin-contoso'], appRoles: ['Ratchet.Technician'] });
  });
});
