/**
 * The DNS zone of a simulated tenant's mail domains (served by src/simulator/dns.ts on loopback): SPF, the two
 * Microsoft 365 DKIM CNAMEs and DMARC as real tenants publish them, with believable differences by profile.
 *
 * | profile | SPF                                   | DKIM (selector1/2 CNAME) | DMARC                    |
 * |---------|---------------------------------------|--------------------------|--------------------------|
 * | level1  | ~all, or none at all (by seed)        | none                     | none                     |
 * | level2  | ~all                                  | none                     | p=none (monitoring only) |
 * | level3  | -all                                  | both, current format     | p=none                   |
 * | level4  | -all                                  | both                     | p=quarantine             |
 * | level5  | -all                                  | both                     | p=reject                 |
 *
 * The mail domains are the verified domains `GET /domains` lists with the Email service (identity-breadth-routes.ts),
 * minus onmicrosoft.com, which Microsoft's own DNS serves. They end in `.example` (RFC 2606): never on the internet.
 */
import type { DnsRecord } from '../../../src/simulator/dns.js';
import { hash32 } from '../../../src/simulator/prng.js';
import { domains } from './identity-breadth-routes.js';
import type { ProfileName } from './profiles.js';
import type { TenantModel } from './tenant-model.js';

export interface MailAuthPosture {
  spf: 'missing' | 'soft' | 'strict';
  dkim: boolean;
  dmarc: 'missing' | 'none' | 'quarantine' | 'reject';
}

const POSTURE: Record<ProfileName, MailAuthPosture> = {
  level1: { spf: 'soft', dkim: false, dmarc: 'missing' },
  level2: { spf: 'soft', dkim: false, dmarc: 'none' },
  level3: { spf: 'strict', dkim: true, dmarc: 'none' },
  level4: { spf: 'strict', dkim: true, dmarc: 'quarantine' },
  level5: { spf: 'strict', dkim: true, dmarc: 'reject' },
};

/** The tenant's posture: its profile's, with half the level-1 tenants (by seed) publishing no SPF at all. */
export function mailAuthPosture(model: Pick<TenantModel, 'profile' | 'seed'>): MailAuthPosture {
  const p = POSTURE[model.profile];
  if (model.profile === 'level1' && hash32(model.seed, 'spf-missing') % 2 === 0) return { ...p, spf: 'missing' };
  return p;
}

/** Verified mail domains of the tenant that the tenant's own DNS serves (not onmicrosoft.com). */
export function customMailDomains(model: TenantModel): string[] {
  return domains(model)
    .filter((d) => d.isVerified === true && Array.isArray(d.supportedServices) && (d.supportedServices as string[]).includes('Email'))
    .map((d) => String(d.id).toLowerCase())
    .filter((d) => !d.endsWith('.onmicrosoft.com'));
}

export interface MailZone {
  apexes: string[];
  records: DnsRecord[];
}

export function mailDnsZone(model: TenantModel): MailZone {
  const posture = mailAuthPosture(model);
  const initialPrefix = model.domain.replace(/\.onmicrosoft\.com$/i, '').toLowerCase();
  const records: DnsRecord[] = [];
  const apexes = customMailDomains(model);
  for (const domain of apexes) {
    const dashed = domain.replace(/\./g, '-');
    // What the Microsoft 365 admin center asks a tenant to publish (MX, verification TXT), then the posture.
    records.push({ name: domain, type: 'MX', data: `0 ${dashed}.mail.protection.outlook.com` });
    records.push({ name: domain, type: 'TXT', data: `MS=ms${hash32(model.seed, 'ms-verify', domain) % 100_000_000}` });
    if (posture.spf !== 'missing') {
      records.push({ name: domain, type: 'TXT', data: `v=spf1 include:spf.protection.outlook.com ${posture.spf === 'strict' ? '-all' : '~all'}` });
    }
    if (posture.dkim) {
      // The current format (Defender portal, 2025): <selector>-<domain>._domainkey.<initial prefix>.<partition>.dkim.mail.microsoft
      for (const [selector, partition] of [['selector1', 'n-v1'], ['selector2', 'n-v2']] as const) {
        records.push({ name: `${selector}._domainkey.${domain}`, type: 'CNAME', data: `${selector}-${dashed}._domainkey.${initialPrefix}.${partition}.dkim.mail.microsoft` });
      }
    }
    if (posture.dmarc !== 'missing') {
      records.push({ name: `_dmarc.${domain}`, type: 'TXT', data: `v=DMARC1; p=${posture.dmarc}; pct=100; rua=mailto:dmarc@${domain}` });
    }
  }
  return { apexes, records };
}

/** Ground truth of the three keys (the measured fields) for this tenant, as a correct collector reports them. */
export function mailAuthTruth(model: TenantModel): { spf: Record<string, unknown>; dkim: Record<string, unknown>; dmarc: Record<string, unknown> } {
  const p = mailAuthPosture(model);
  const n = customMailDomains(model).length;
  const share = (ok: boolean) => (n === 0 ? null : ok ? 100 : 0);
  const enforced = p.dmarc === 'quarantine' || p.dmarc === 'reject';
  return {
    spf: { domains: n, withSpf: p.spf === 'missing' ? 0 : n, strict: p.spf === 'strict' ? n : 0, unknown: 0, pct: share(p.spf !== 'missing'), strictPct: share(p.spf === 'strict') },
    dkim: { domains: n, signed: p.dkim ? n : 0, unknown: 0, pct: share(p.dkim) },
    dmarc: {
      domains: n,
      withDmarc: p.dmarc === 'missing' ? 0 : n,
      enforced: enforced ? n : 0,
      unknown: 0,
      pct: share(p.dmarc !== 'missing'),
      enforcedPct: share(enforced),
      weakestPolicy: n === 0 ? null : p.dmarc,
    },
  };
}
