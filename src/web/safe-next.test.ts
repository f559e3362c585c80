import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next.js';

describe('safeNext', () => {
  const hostile: Array<[string, unknown]> = [
    ['protocol-relative', '//evil.example'],
    ['protocol-relative with path', '//evil.example/tenants'],
    ['backslash after the slash', '/\\evil.example'],
    ['backslash later', '/tenants\\..\\evil'],
    ['two backslashes', '\\\\evil.example'],
    ['https scheme', 'https://evil.example/'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['javascript scheme, mixed case', 'JaVaScRiPt:alert(1)'],
    ['data scheme', 'data:text/html,<script>alert(1)</script>'],
    ['bare host', 'evil.example'],
    ['relative path', 'tenants/contoso'],
    ['empty', ''],
    ['tab (browsers drop it: //evil.example)', '/\t/evil.example'],
    ['CR LF (header splitting)', '/\r\nSet-Cookie: x=1'],
    ['newline', '/\n/evil.example'],
    ['NUL', '/\u0000/evil.example'],
    ['unit separator', '/\u001f'],
    ['DEL', '/\u007f/evil.example'],
    ['NEL (C1 control)', '/\u0085/evil.example'],
    ['no-break space', '/\u00a0/evil.example'],
    ['line separator', '/\u2028/evil.example'],
    ['ideographic space', '/\u3000/evil.example'],
    ['zero-width space', '/\u200b/evil.example'],
    ['byte order mark', '/\ufeff/evil.example'],
    ['right-to-left override', '/tenants/\u202econtoso'],
    ['leading space', ' /tenants/contoso'],
    ['space inside', '/tenants /contoso'],
    ['encoded //', '/%2F%2Fevil.example'],
    ['encoded //, lower case', '/%2f%2fevil.example'],
    ['encoded / after a slash', '/%2Fevil.example'],
    ['encoded backslash', '/%5Cevil.example'],
    ['encoded backslash, lower case', '/%5cevil.example'],
    ['encoded tab', '/%09/evil.example'],
    ['encoded CR LF', '/%0D%0ASet-Cookie:%20x=1'],
    ['encoded NUL', '/%00'],
    ['encoded line separator', '/%E2%80%A8/evil.example'],
    ['encoded no-break space', '/%C2%A0/evil.example'],
    ['malformed escape', '/%'],
    ['truncated escape', '/%E0%A4%A'],
    ['not hex', '/%zz'],
    ['the sign-in page', '/login'],
    ['the sign-in page with a next', '/login?next=/'],
    ['the sign-in page, encoded', '/%6Cogin'],
    ['sign-out', '/logout'],
    ['too long', `/${'a'.repeat(2000)}`],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', ['/tenants']],
    ['an object', { toString: () => '/tenants' }],
  ];
  it.each(hostile)('refuses %s', (_what, value) => {
    expect(safeNext(value)).toBe('/');
  });

  const benign = [
    '/',
    '/tenants/contoso',
    '/tenants/contoso?tab=x',
    '/tenants/contoso/history',
    '/tenants/contoso/findings/mfa-user-coverage?page=2&pageSize=50',
    '/tenants/contoso/diff?from=scan-1&to=scan-2',
    '/audit?tenant=contoso#top',
    '/tenants/contoso/scans/2025-01-01T02:00:00Z',
    '/tenants/caf%C3%A9',
    '/tenants/a%2Fb',
    '/tokens',
    `/${'a'.repeat(1999)}`,
  ];
  it.each(benign)('keeps %s unchanged', (value) => {
    expect(safeNext(value)).toBe(value);
  });
});
