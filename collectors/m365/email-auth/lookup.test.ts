/**
 * The DNS side over real sockets: node:dns (c-ares) against the simulator's authoritative server on loopback —
 * found, missing (NXDOMAIN and NODATA), unknown (SERVFAIL, REFUSED, dropped → timeout), CNAME DKIM, a DKIM key too
 * big for UDP (truncated, retried over TCP), and the per-domain checks and evidence values built on top.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsZone, startDnsServer, type DnsAnswer, type DnsServer } from '../../../src/simulator/dns.js';
import { checkDomain } from './check.js';
import { collectEmailAuth, type GraphDomain } from './index.js';
import { DnsLookup } from './lookup.js';

// Longer than any UDP answer c-ares accepts (512 bytes, or 1232 with EDNS): the answer must come over TCP.
const LONG_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' + 'x'.repeat(1400) + 'IDAQAB';

const zone = new DnsZone(
  [
    // good.test: what Microsoft 365 documents (SPF with -all, both DKIM CNAMEs, DMARC reject).
    { name: 'good.test', type: 'TXT', data: 'v=spf1 include:spf.protection.outlook.com -all' },
    { name: 'good.test', type: 'TXT', data: 'MS=ms12345678' },
    { name: 'selector1._domainkey.good.test', type: 'CNAME', data: 'selector1-good-test._domainkey.contoso.n-v1.dkim.mail.microsoft' },
    { name: 'selector2._domainkey.good.test', type: 'CNAME', data: 'selector2-good-test._domainkey.contoso.onmicrosoft.com' },
    { name: '_dmarc.good.test', type: 'TXT', data: 'v=DMARC1; p=reject; rua=mailto:d@good.test' },
    // soft.test: ~all, one DKIM selector as a key record, DMARC p=none; its sub-domain inherits sp=quarantine.
    { name: 'soft.test', type: 'TXT', data: 'v=spf1 include:spf.protection.outlook.com ~all' },
    { name: 'selector1._domainkey.soft.test', type: 'TXT', data: `v=DKIM1; k=rsa; p=${LONG_KEY}` },
    { name: '_dmarc.soft.test', type: 'TXT', data: 'v=DMARC1; p=none; sp=quarantine; pct=100' },
    { name: 'mail.soft.test', type: 'TXT', data: 'v=spf1 redirect=soft.test' },
    // bare.test exists (an MX) but publishes none of the three.
    { name: 'bare.test', type: 'MX', data: '0 bare-test.mail.protection.outlook.com' },
  ],
  ['good.test', 'soft.test', 'bare.test', 'gone.test'],
);

const FAULTS: Record<string, DnsAnswer> = {
  'broken.test': { rcode: 'SERVFAIL', records: [] },
  '_dmarc.broken.test': { rcode: 'SERVFAIL', records: [] },
  'selector1._domainkey.broken.test': { rcode: 'SERVFAIL', records: [] },
  'selector2._domainkey.broken.test': { rcode: 'SERVFAIL', records: [] },
  'silent.test': { drop: true },
  '_dmarc.silent.test': { drop: true },
  'selector1._domainkey.silent.test': { drop: true },
  'selector2._domainkey.silent.test': { drop: true },
  'partly.test': { rcode: 'NOERROR', records: [{ name: 'partly.test', type: 'TXT', data: 'v=spf1 -all' }] },
  '_dmarc.partly.test': { rcode: 'SERVFAIL', records: [] },
};

let server: DnsServer;
const opts = () => ({ servers: [server.address], timeoutMs: 200 });

beforeAll(async () => {
  server = await startDnsServer({ handler: (q) => FAULTS[q.name.toLowerCase()] ?? zone.answer(q) });
});
afterAll(async () => {
  await server.close();
});

describe('DnsLookup against the loopback server', () => {
  it('reads TXT records, joined per record', async () => {
    const a = await new DnsLookup(opts()).txt('good.test');
    expect(a.kind).toBe('found');
    expect(a.kind === 'found' && a.records.sort()).toEqual(['MS=ms12345678', 'v=spf1 include:spf.protection.outlook.com -all']);
  });

  it('tells NXDOMAIN and NODATA apart from failures: both are "missing"', async () => {
    const dns = new DnsLookup(opts());
    expect(await dns.txt('nothing.gone.test')).toEqual({ kind: 'missing' }); // NXDOMAIN
    expect(await dns.txt('_dmarc.bare.test')).toEqual({ kind: 'missing' }); // NXDOMAIN under an existing apex
    expect(await dns.cname('bare.test')).toEqual({ kind: 'missing' }); // NODATA: the name has only an MX
  });

  it('SERVFAIL, REFUSED and a dropped query are unknown, with the reason', async () => {
    const dns = new DnsLookup(opts());
    expect(await dns.txt('broken.test')).toEqual({ kind: 'unknown', reason: 'TXT broken.test: SERVFAIL' });
    expect(await dns.txt('elsewhere.example')).toEqual({ kind: 'unknown', reason: 'TXT elsewhere.example: query refused' });
    const started = Date.now();
    expect(await dns.txt('silent.test')).toEqual({ kind: 'unknown', reason: 'TXT silent.test: timed out' });
    // Two attempts of 200 ms, not the system default of seconds.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an unreachable server is unknown, not missing', async () => {
    const closed = await startDnsServer({ handler: () => ({ rcode: 'NOERROR', records: [] }) });
    const address = closed.address;
    await closed.close();
    const a = await new DnsLookup({ servers: [address], timeoutMs: 150 }).txt('good.test');
    expect(a.kind).toBe('unknown');
  });

  it('reads the CNAME itself, not its target', async () => {
    expect(await new DnsLookup(opts()).cname('selector1._domainkey.good.test')).toEqual({
      kind: 'found',
      records: ['selector1-good-test._domainkey.contoso.n-v1.dkim.mail.microsoft'],
    });
  });

  it('a key too big for UDP arrives truncated and is fetched again over TCP', async () => {
    const a = await new DnsLookup(opts()).txt('selector1._domainkey.soft.test');
    expect(a.kind === 'found' && a.records[0]).toBe(`v=DKIM1; k=rsa; p=${LONG_KEY}`);
  });
});

describe('checkDomain', () => {
  const all = ['good.test', 'soft.test', 'mail.soft.test', 'bare.test'];

  it('a domain set up as Microsoft documents it', async () => {
    const d = await checkDomain(new DnsLookup(opts()), 'good.test', all);
    expect(d.spf).toEqual({ known: true, value: 'strict' });
    expect(d.dkim).toEqual({ known: true, value: { signed: true, selectors: { selector1: 'cname', selector2: 'cname' } } });
    expect(d.dmarc).toEqual({ known: true, value: { policy: 'reject', pct: 100, from: 'good.test' } });
  });

  it('soft fail, one DKIM selector (not signed), p=none', async () => {
    const d = await checkDomain(new DnsLookup(opts()), 'soft.test', all);
    expect(d.spf).toEqual({ known: true, value: 'soft' });
    expect(d.dkim).toEqual({ known: true, value: { signed: false, selectors: { selector1: 'key', selector2: 'none' } } });
    expect(d.dmarc).toEqual({ known: true, value: { policy: 'none', pct: 100, from: 'soft.test' } });
  });

  it('follows an SPF redirect and inherits the organisational domain sp', async () => {
    const d = await checkDomain(new DnsLookup(opts()), 'mail.soft.test', all);
    expect(d.spf).toEqual({ known: true, value: 'soft' });
    expect(d.dmarc).toEqual({ known: true, value: { policy: 'quarantine', pct: 100, from: 'soft.test' } });
  });

  it('nothing published: all three missing (known findings)', async () => {
    const d = await checkDomain(new DnsLookup(opts()), 'bare.test', all);
    expect(d.spf).toEqual({ known: true, value: 'missing' });
    expect(d.dkim).toEqual({ known: true, value: { signed: false, selectors: { selector1: 'none', selector2: 'none' } } });
    expect(d.dmarc).toEqual({ known: true, value: { policy: 'missing', pct: null, from: null } });
  });

  it('SERVFAIL leaves each check unknown', async () => {
    const d = await checkDomain(new DnsLookup(opts()), 'broken.test', all);
    expect(d.spf.known).toBe(false);
    expect(d.dkim.known).toBe(false);
    expect(d.dmarc).toEqual({ known: false, reason: 'TXT _dmarc.broken.test: SERVFAIL' });
  });
});

describe('collectEmailAuth (DNS over loopback)', () => {
  const domain = (id: string, services = ['Email', 'OfficeCommunicationsOnline']): GraphDomain => ({ id, isVerified: true, supportedServices: services });

  it('counts per key; onmicrosoft.com, unverified and non-mail domains are skipped', async () => {
    const r = await collectEmailAuth(
      [domain('contoso.onmicrosoft.com'), domain('good.test'), domain('soft.test'), domain('bare.test'), domain('web.test', ['Intune']), { id: 'new.test', isVerified: false, supportedServices: ['Email'] }],
      opts(),
    );
    expect(r.spf).toMatchObject({ ok: true, value: { domains: 3, withSpf: 2, strict: 1, pct: 66.7, strictPct: 33.3, unknown: 0, skippedManaged: ['contoso.onmicrosoft.com'] } });
    expect(r.dkim).toMatchObject({ ok: true, value: { domains: 3, signed: 1, pct: 33.3, unknown: 0 } });
    expect(r.dmarc).toMatchObject({ ok: true, value: { domains: 3, withDmarc: 2, enforced: 1, pct: 66.7, enforcedPct: 33.3, weakestPolicy: 'missing' } });
    expect(r.dmarc.ok && r.dmarc.value.byDomain).toEqual({ 'bare.test': 'missing', 'good.test': 'reject', 'soft.test': 'none' });
    expect(r.queries).toBeGreaterThan(0);
  });

  it('some domains unknown: counts of the answered ones, shares unknown with the reason (never a fail)', async () => {
    const r = await collectEmailAuth([domain('good.test'), domain('partly.test')], opts());
    // SPF answered for both.
    expect(r.spf).toMatchObject({ ok: true, value: { domains: 2, withSpf: 2, strict: 2, pct: 100, unknown: 0 } });
    expect(r.dmarc).toMatchObject({ ok: true, value: { domains: 2, withDmarc: 1, enforced: 1, unknown: 1, pct: null, enforcedPct: null, weakestPolicy: null } });
    expect(r.dmarc.ok && (r.dmarc.value.unknownReasons as Record<string, string>).enforcedPct).toMatch(/DNS did not answer for 1 of 2 mail domains \(TXT _dmarc\.partly\.test: SERVFAIL\)/);
  });

  it('every domain unknown: the keys are errors naming the DNS failure', async () => {
    const r = await collectEmailAuth([domain('broken.test'), domain('silent.test')], opts());
    for (const o of [r.spf, r.dkim, r.dmarc]) {
      expect(o.ok).toBe(false);
      expect(!o.ok && o.failure).toMatchObject({ status: 'error', reasonCode: 'collector_error' });
      expect(!o.ok && o.failure.reason).toMatch(/DNS did not answer for any of the 2 mail domains: .*(SERVFAIL|timed out).*dns\.servers/);
    }
  });

  it('only onmicrosoft.com: the shares are not applicable, with the reason', async () => {
    const r = await collectEmailAuth([domain('contoso.onmicrosoft.com')], opts());
    expect(r.spf).toMatchObject({ ok: true, value: { domains: 0, pct: null, notApplicable: { pct: expect.stringMatching(/only onmicrosoft\.com/) } } });
    expect(r.queries).toBe(0);
  });
});
