import { describe, expect, it } from 'vitest';
import type { PortfolioClient } from '../collector-kit/plugin.js';
import { matchTenants, meets, nameSimilarity, nameTokens, normaliseDomain, normaliseName, scorePair, type MatchTenant, type TenantMatch } from './match.js';

const client = (scope: string | number, name: string, domains: string[] = []): PortfolioClient => ({ scope, name, domains });
const tenant = (id: string, name: string, extra: Partial<MatchTenant> = {}): MatchTenant => ({ id, name, domains: [], ...extra });
const kinds = (ms: TenantMatch[]) => Object.fromEntries(ms.map((m) => [m.tenant.id, m.kind]));

describe('name normalisation', () => {
  it('folds case, accents and punctuation, reads & as and, drops trailing legal forms', () => {
    expect(normaliseName('Contoso Ltd')).toBe('contoso');
    expect(normaliseName('CONTOSO LIMITED')).toBe('contoso');
    expect(normaliseName('Contoso Pty. Ltd.')).toBe('contoso');
    expect(normaliseName('Müller & Söhne GmbH')).toBe('muller sohne');
    expect(normaliseName('Muller and Sohne')).toBe('muller sohne');
    expect(normaliseName('Café Crème B.V.')).toBe('cafe creme');
    expect(normaliseName("O'Brien Plumbing, Inc.")).toBe('obrien plumbing');
    expect(normaliseName('Smith & Co')).toBe('smith');
    expect(normaliseName('Ørsted A/S')).toBe('orsted');
  });

  it('only strips legal forms at the end, and never the whole name', () => {
    expect(nameTokens('Co-operative Bank Ltd')).toEqual(['co', 'operative', 'bank']);
    expect(nameTokens('Holdings Ltd')).toEqual(['holdings']);
    expect(nameTokens('The Company')).toEqual(['company']);
  });

  it('scores equal names 1, spacing variants 1, and unrelated names low', () => {
    expect(nameSimilarity('Tailspin Toys Inc', 'Tail Spin Toys')).toBe(1);
    expect(nameSimilarity('Contoso Ltd', 'Contoso Limited')).toBe(1);
    expect(nameSimilarity('Contoso', 'Fabrikam')).toBeLessThan(0.3);
    expect(nameSimilarity('Northwind Traders', 'Northwind Trading')).toBeGreaterThanOrEqual(0.8);
    expect(nameSimilarity('Northwind Traders', 'Northwind Trading')).toBeLessThan(1);
  });

  it('reads an e-mail address as its domain', () => {
    expect(normaliseDomain('IT@Contoso.COM')).toBe('contoso.com');
    expect(normaliseDomain('contoso.com.')).toBe('contoso.com');
  });
});

describe('scorePair', () => {
  it('names the reason and the confidence', () => {
    expect(scorePair(tenant('c', 'Contoso Ltd'), client(1, 'CONTOSO LIMITED'))).toMatchObject({ confidence: 'high', reason: 'same name', score: 1 });
    expect(scorePair(tenant('n', 'Northwind Traders'), client(1, 'Northwind Trading'))).toMatchObject({ confidence: 'medium' });
    expect(scorePair(tenant('c', 'Contoso', { domains: ['contoso.com'] }), client(1, 'CTS Holdings', ['contoso.com']))).toMatchObject({
      confidence: 'medium',
      sharedDomains: ['contoso.com'],
    });
    expect(scorePair(tenant('c', 'Contoso'), client(1, 'Fabrikam'))).toBeNull();
  });
});

describe('matchTenants', () => {
  it('proposes exact matches despite suffix noise and accents, one each', () => {
    const r = matchTenants(
      [tenant('contoso', 'Contoso Ltd'), tenant('muller', 'Müller & Söhne'), tenant('tailspin', 'Tailspin Toys')],
      [client(2, 'Contoso Limited'), client(3, 'Muller and Sohne GmbH'), client(4, 'Tail Spin Toys, Inc.'), client(5, 'Wide World Importers')],
    );
    expect(kinds(r.tenants)).toEqual({ contoso: 'proposed', muller: 'proposed', tailspin: 'proposed' });
    const proposed = r.tenants.map((m) => (m.kind === 'proposed' ? [m.tenant.id, m.candidate.client.scope, m.candidate.confidence] : null));
    expect(proposed).toEqual([
      ['contoso', 2, 'high'],
      ['muller', 3, 'high'],
      ['tailspin', 4, 'high'],
    ]);
    expect(r.unclaimed.map((c) => c.scope)).toEqual([5]);
  });

  it('lists two similar names as ambiguous, with both candidates, and proposes neither', () => {
    const r = matchTenants([tenant('contoso', 'Contoso')], [client(2, 'Contoso Ltd'), client(3, 'Contoso Inc')]);
    const m = r.tenants[0]!;
    expect(m.kind).toBe('ambiguous');
    if (m.kind !== 'ambiguous') return;
    expect(m.candidates.map((c) => c.client.scope).sort()).toEqual([2, 3]);
    expect(m.detail).toMatch(/fit about equally well/);
    expect(r.unclaimed).toHaveLength(2);
  });

  it('breaks a tie with a shared domain', () => {
    const r = matchTenants(
      [tenant('contoso', 'Contoso', { domains: ['contoso.com', 'contoso.onmicrosoft.com'] })],
      [client(2, 'Contoso Ltd', ['contoso.us']), client(3, 'Contoso Inc', ['contoso.com'])],
    );
    const m = r.tenants[0]!;
    expect(m.kind).toBe('proposed');
    if (m.kind !== 'proposed') return;
    expect(m.candidate.client.scope).toBe(3);
    expect(m.candidate.confidence).toBe('high');
    expect(m.candidate.reason).toBe('same name, shared domain contoso.com');
  });

  it('ignores a domain shared by several clients (the MSP as everyone\'s contact) and mail providers', () => {
    const r = matchTenants(
      [tenant('contoso', 'Contoso', { domains: ['msp.example', 'gmail.com'] })],
      [client(2, 'Contoso Ltd', ['msp.example', 'gmail.com']), client(3, 'Contoso Inc', ['msp.example'])],
    );
    expect(r.tenants[0]!.kind).toBe('ambiguous');
  });

  it('keeps matches one-to-one: a client two tenants want goes to neither unless one is clearly ahead', () => {
    const tie = matchTenants([tenant('a', 'Contoso Ltd'), tenant('b', 'Contoso Inc')], [client(2, 'Contoso')]);
    expect(kinds(tie.tenants)).toEqual({ a: 'ambiguous', b: 'ambiguous' });
    const tieA = tie.tenants[0]!;
    if (tieA.kind === 'ambiguous') expect(tieA.detail).toMatch(/fits tenant b about as well/);

    const ahead = matchTenants([tenant('a', 'Northwind Traders'), tenant('b', 'Northwind')], [client(7, 'Northwind Traders Ltd')]);
    expect(kinds(ahead.tenants)).toEqual({ a: 'proposed', b: 'ambiguous' });
    const b = ahead.tenants[1]!;
    if (b.kind === 'ambiguous') expect(b.detail).toMatch(/fits tenant a better/);
  });

  it('says unmatched when nothing resembles the tenant', () => {
    const r = matchTenants([tenant('adatum', 'Adatum Corporation')], [client(2, 'Fabrikam')]);
    expect(r.tenants[0]!.kind).toBe('unmatched');
    expect(r.unclaimed.map((c) => c.scope)).toEqual([2]);
  });

  it('shows mapped tenants, takes their clients out of the pool, and flags a gone or renamed client', () => {
    const r = matchTenants(
      [
        tenant('contoso', 'Contoso Ltd', { mappedScope: 2 }),
        tenant('fabrikam', 'Fabrikam', { mappedScope: '3' }),
        tenant('gone', 'Gone Ltd', { mappedScope: 99 }),
        tenant('contoso2', 'Contoso'),
      ],
      [client(2, 'Contoso Ltd'), client(3, 'Adventure Works'), client(4, 'Litware')],
    );
    const [contoso, fabrikam, gone, contoso2] = r.tenants;
    expect(contoso).toMatchObject({ kind: 'mapped', problem: null, client: { scope: 2 } });
    expect(fabrikam).toMatchObject({ kind: 'mapped', problem: 'name-differs', client: { scope: 3 } });
    expect(gone).toMatchObject({ kind: 'mapped', problem: 'scope-missing', client: null });
    // Client 2 belongs to the mapped contoso: the unmapped "Contoso" does not get it.
    expect(contoso2!.kind).toBe('unmatched');
    expect(r.unclaimed.map((c) => c.scope)).toEqual([4]);
  });

  it('compares a configured scope and a listed one as text (UUID case, numbers as strings)', () => {
    const r = matchTenants([tenant('c', 'Contoso', { mappedScope: 'ABCDEF01-0000-0000-0000-000000000000' })], [client('abcdef01-0000-0000-0000-000000000000', 'Contoso')]);
    expect(r.tenants[0]).toMatchObject({ kind: 'mapped', problem: null });
  });
});

describe('meets', () => {
  it('orders confidences', () => {
    expect(meets('high', 'high')).toBe(true);
    expect(meets('medium', 'high')).toBe(false);
    expect(meets('medium', 'medium')).toBe(true);
    expect(meets('low', 'medium')).toBe(false);
  });
});

describe('matchTenants with several scopes on one tenant', () => {
  it('checks every scope of a list and takes them all out of the pool', () => {
    const ok = matchTenants([tenant('c', 'Contoso', { mappedScope: ['a', 'b'] }), tenant('d', 'Contoso Branch')], [client('a', 'Contoso'), client('b', 'Contoso Branch')]);
    expect(ok.tenants[0]).toMatchObject({ kind: 'mapped', problem: null, client: { scope: 'a' } });
    expect(ok.tenants[1]!.kind).toBe('unmatched');
    const gone = matchTenants([tenant('c', 'Contoso', { mappedScope: ['a', 'z'] })], [client('a', 'Contoso')]);
    expect(gone.tenants[0]).toMatchObject({ kind: 'mapped', problem: 'scope-missing', client: { scope: 'a' }, detail: 'z is not on the account any more (deleted or moved?)' });
  });
});
