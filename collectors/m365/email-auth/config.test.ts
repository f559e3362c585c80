/** The m365 section's `dns` block: IP addresses with an optional port, a clear message at the offending path. */
import { describe, expect, it } from 'vitest';
import { m365ConfigSchema } from '../config.js';

const base = { tenantId: 'contoso.onmicrosoft.com', clientId: 'app', clientSecret: 's' };

describe('m365 config dns', () => {
  it('is optional: absent means the system resolver', () => {
    expect(m365ConfigSchema.parse(base).dns).toBeUndefined();
  });

  it('accepts IPv4, IPv4:port, bare IPv6 and [IPv6]:port, with a default timeout', () => {
    const servers = ['1.1.1.1', '10.0.0.53:5353', '2606:4700:4700::1111', '[::1]:53'];
    expect(m365ConfigSchema.parse({ ...base, dns: { servers } }).dns).toEqual({ servers, timeoutMs: 3_000 });
    expect(m365ConfigSchema.parse({ ...base, dns: { timeoutMs: 800 } }).dns).toEqual({ timeoutMs: 800 });
  });

  it.each([
    ['dns.example.com', 'a name (the resolver cannot resolve its own address)'],
    ['1.1.1.1:0', 'port 0'],
    ['1.1.1.1:70000', 'a port past 65535'],
    ['[dns.example.com]:53', 'a bracketed name'],
  ])('refuses %s naming dns.servers.<n>', (server, why) => {
    const r = m365ConfigSchema.safeParse({ ...base, dns: { servers: ['1.1.1.1', server] } });
    expect(r.success, why).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual(['dns', 'servers', 1]);
    expect(issue.message).toMatch(/must be an IP address with an optional port/);
  });

  it('refuses an empty server list and unknown keys', () => {
    expect(m365ConfigSchema.safeParse({ ...base, dns: { servers: [] } }).error?.issues[0]).toMatchObject({ path: ['dns', 'servers'], message: expect.stringMatching(/at least one server/) });
    expect(m365ConfigSchema.safeParse({ ...base, dns: { server: '1.1.1.1' } }).success).toBe(false);
  });
});
