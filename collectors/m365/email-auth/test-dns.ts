/**
 * The DNS the m365 unit tests give the collector (test-support.ts testConfig): the records Microsoft's
 * documentation shows for contoso.com, served on loopback, so a nock-backed collection that lists contoso.com as a
 * mail domain never queries the internet. SPF and DMARC as in "Set up SPF/DMARC to help prevent spoofing", the DKIM
 * CNAMEs in the format of "Set up DKIM" (selector1-contoso-com._domainkey.contoso.onmicrosoft.com).
 */
import { DnsZone, startDnsServer, type DnsServer } from '../../../src/simulator/dns.js';

export const CONTOSO_ZONE = new DnsZone(
  [
    { name: 'contoso.com', type: 'MX', data: '0 contoso-com.mail.protection.outlook.com' },
    { name: 'contoso.com', type: 'TXT', data: 'v=spf1 include:spf.protection.outlook.com -all' },
    { name: 'selector1._domainkey.contoso.com', type: 'CNAME', data: 'selector1-contoso-com._domainkey.contoso.onmicrosoft.com' },
    { name: 'selector2._domainkey.contoso.com', type: 'CNAME', data: 'selector2-contoso-com._domainkey.contoso.onmicrosoft.com' },
    { name: '_dmarc.contoso.com', type: 'TXT', data: 'v=DMARC1; p=reject; pct=100; rua=mailto:rua@contoso.com; ruf=mailto:ruf@contoso.com' },
  ],
  ['contoso.com'],
);

let started: Promise<DnsServer> | undefined;

/** One server per test file (module instance), never closed: unref'd so it keeps nothing alive. */
export function contosoDns(): Promise<DnsServer> {
  started ??= startDnsServer({ handler: (q) => CONTOSO_ZONE.answer(q), unref: true });
  return started;
}
