/**
 * The simulator's loopback DNS server at the wire level (raw dns-packet queries over UDP and TCP), the zone's
 * NXDOMAIN/NODATA/CNAME answers, the host's per-tenant dispatch with the dns= fault, and the fault grammar.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsZone, startDnsServer, type DnsServer } from './dns.js';
import { DirectoryDns } from './dns-host.js';
import { parseFaultSpec, type FaultConfig } from './faults.js';

const zone = new DnsZone(
  [
    { name: 'contoso.example', type: 'TXT', data: 'v=spf1 -all' },
    { name: 'big.contoso.example', type: 'TXT', data: 'k'.repeat(700) },
    { name: 'selector1._domainkey.contoso.example', type: 'CNAME', data: 'selector1-contoso-example._domainkey.contoso.n-v1.dkim.mail.microsoft' },
    { name: 'alias.contoso.example', type: 'CNAME', data: 'contoso.example' },
  ],
  ['contoso.example'],
);

describe('DnsZone', () => {
  it('answers records, NODATA for an existing name, NXDOMAIN for a missing one, REFUSED outside its apexes', () => {
    expect(zone.answer({ name: 'contoso.example', type: 'TXT' })).toMatchObject({ rcode: 'NOERROR', records: [{ data: 'v=spf1 -all' }] });
    expect(zone.answer({ name: 'contoso.example', type: 'MX' })).toEqual({ rcode: 'NOERROR', records: [] });
    // An empty non-terminal exists (it has names below it).
    expect(zone.answer({ name: '_domainkey.contoso.example', type: 'TXT' })).toEqual({ rcode: 'NOERROR', records: [] });
    expect(zone.answer({ name: '_dmarc.contoso.example', type: 'TXT' })).toEqual({ rcode: 'NXDOMAIN', records: [] });
    expect(zone.answer({ name: 'fabrikam.example', type: 'TXT' })).toEqual({ rcode: 'REFUSED', records: [] });
  });

  it('a CNAME answers every type and is followed inside the zone', () => {
    const a = zone.answer({ name: 'alias.contoso.example', type: 'TXT' });
    expect(a).toMatchObject({ rcode: 'NOERROR', records: [{ type: 'CNAME' }, { type: 'TXT', data: 'v=spf1 -all' }] });
    expect(zone.answer({ name: 'selector1._domainkey.contoso.example', type: 'TXT' })).toMatchObject({ records: [{ type: 'CNAME' }] });
  });
});

describe('startDnsServer on the wire', () => {
  let server: DnsServer;
  beforeAll(async () => {
    server = await startDnsServer({ handler: (q) => zone.answer(q) });
  });
  afterAll(async () => {
    await server.close();
  });

  const query = (name: string, opt?: number) =>
    dnsPacket.encode({
      type: 'query',
      id: 7,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'TXT', name }],
      additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: opt } as dnsPacket.Answer] : [],
    });

  const txtData = (a: dnsPacket.Answer) => (a as dnsPacket.TxtAnswer).data as Buffer[];

  function udp(msg: Buffer): Promise<dnsPacket.DecodedPacket> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('message', (m) => {
        s.close();
        resolve(dnsPacket.decode(m));
      });
      s.once('error', reject);
      s.send(msg, server.port, server.host);
    });
  }

  function tcp(msg: Buffer): Promise<dnsPacket.DecodedPacket> {
    return new Promise((resolve, reject) => {
      const c = net.connect(server.port, server.host, () => {
        const framed = Buffer.alloc(2 + msg.length);
        framed.writeUInt16BE(msg.length, 0);
        msg.copy(framed, 2);
        c.write(framed);
      });
      let buf = Buffer.alloc(0);
      c.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          c.end();
          resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        }
      });
      c.on('error', reject);
    });
  }

  it('answers authoritatively with the query id and rcode', async () => {
    const a = await udp(query('contoso.example'));
    expect(a).toMatchObject({ id: 7, type: 'response', flag_aa: true, flag_rd: true, flag_tc: false, rcode: 'NOERROR' });
    expect(a.answers?.map((r) => Buffer.concat(txtData(r)).toString())).toEqual(['v=spf1 -all']);
    expect((await udp(query('_dmarc.contoso.example')) as dnsPacket.DecodedPacket & { rcode: string }).rcode).toBe('NXDOMAIN');
  });

  it('truncates over UDP past 512 bytes (or the EDNS size) and answers in full over TCP', async () => {
    const cut = await udp(query('big.contoso.example'));
    expect(cut).toMatchObject({ flag_tc: true, answers: [] });
    expect((await udp(query('big.contoso.example', 4096))).flag_tc).toBe(false);
    const full = await tcp(query('big.contoso.example'));
    // 700 bytes in 255-byte character-strings, joined back by the client.
    expect(txtData(full.answers![0]!).map((b) => b.length)).toEqual([255, 255, 190]);
  });
});

describe('DirectoryDns (the host)', () => {
  const faults: Record<string, FaultConfig> = { a: {}, b: {} };
  const host = new DirectoryDns(() => [
    { zone: { apexes: ['a.example'], records: [{ name: 'a.example', type: 'TXT', data: 'v=spf1 -all' }] }, faults: faults.a! },
    { zone: { apexes: ['b.example', 'sub.a.example'], records: [{ name: 'sub.a.example', type: 'TXT', data: 'v=spf1 ~all' }] }, faults: faults.b! },
  ]);

  it("answers from the tenant that owns the longest matching apex; other names are refused", () => {
    expect(host.handler({ name: 'a.example', type: 'TXT' })).toMatchObject({ records: [{ data: 'v=spf1 -all' }] });
    expect(host.handler({ name: 'sub.a.example', type: 'TXT' })).toMatchObject({ records: [{ data: 'v=spf1 ~all' }] });
    expect(host.handler({ name: 'example.org', type: 'TXT' })).toEqual({ rcode: 'REFUSED', records: [] });
  });

  it("applies the owning tenant's dns fault after invalidate()", () => {
    faults.b = { dns: 'servfail' };
    host.invalidate();
    expect(host.handler({ name: 'sub.a.example', type: 'TXT' })).toEqual({ rcode: 'SERVFAIL', records: [] });
    expect(host.handler({ name: 'a.example', type: 'TXT' })).toMatchObject({ rcode: 'NOERROR' });
    faults.a = { dns: 'drop' };
    host.invalidate();
    expect(host.handler({ name: '_dmarc.a.example', type: 'TXT' })).toEqual({ drop: true });
  });

  it('the fault grammar takes dns=servfail|refused|drop', () => {
    expect(parseFaultSpec('dns=SERVFAIL,seed=2')).toEqual({ dns: 'servfail', seed: 2 });
    expect(() => parseFaultSpec('dns=slow')).toThrow(/dns must be servfail, refused, drop/);
  });
});
