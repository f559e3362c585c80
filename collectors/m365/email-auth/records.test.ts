/** The record parsers against the RFCs' edge cases (RFC 7208 SPF, RFC 7489 DMARC, RFC 6376 DKIM key records). */
import { describe, expect, it } from 'vitest';
import { classifyDkimCname, isEnforced, parseDkimKey, parseDmarc, parseSpf, spfVerdict } from './records.js';

describe('SPF (RFC 7208)', () => {
  it('reads the qualifier of all', () => {
    expect(parseSpf(['v=spf1 include:spf.protection.outlook.com -all'])).toMatchObject({ kind: 'record', all: '-' });
    expect(parseSpf(['v=spf1 include:spf.protection.outlook.com ~all'])).toMatchObject({ all: '~' });
    expect(parseSpf(['v=spf1 ?all'])).toMatchObject({ all: '?' });
    // No qualifier is "+": everyone may send.
    expect(parseSpf(['v=spf1 all'])).toMatchObject({ all: '+' });
    expect(spfVerdict('+')).toBe('pass_all');
  });

  it('ignores other TXT records and matches v=spf1 case-insensitively, as a whole word', () => {
    expect(parseSpf(['MS=ms123', 'V=SPF1 mx -ALL', 'google-site-verification=x'])).toMatchObject({ kind: 'record', all: '-' });
    expect(parseSpf(['v=spf10 -all'])).toEqual({ kind: 'none' });
    expect(parseSpf(['spf1 -all', 'v=DMARC1; p=none'])).toEqual({ kind: 'none' });
    expect(parseSpf([])).toEqual({ kind: 'none' });
  });

  it('two SPF records are a permerror (§4.5), whatever they say', () => {
    const r = parseSpf(['v=spf1 -all', 'v=spf1 include:spf.protection.outlook.com -all']);
    expect(r).toMatchObject({ kind: 'permerror' });
  });

  it('stops at the first all; terms after it never count (§5.1)', () => {
    expect(parseSpf(['v=spf1 ~all -all'])).toMatchObject({ all: '~' });
  });

  it('no all: the redirect decides, else the default is neutral (§4.7)', () => {
    expect(parseSpf(['v=spf1 redirect=_spf.contoso.com'])).toMatchObject({ all: null, redirect: '_spf.contoso.com' });
    expect(parseSpf(['v=spf1 include:x.test'])).toMatchObject({ all: null, redirect: null });
    expect(spfVerdict(null)).toBe('neutral');
    // With an all, redirect is ignored (§6.1).
    expect(parseSpf(['v=spf1 redirect=x.test -all'])).toMatchObject({ all: '-', redirect: null });
  });

  it('copes with several spaces between terms', () => {
    expect(parseSpf(['v=spf1  include:a.test   -all'])).toMatchObject({ all: '-' });
  });
});

describe('DMARC (RFC 7489)', () => {
  it('reads p, sp (defaulting to p) and pct (defaulting to 100)', () => {
    expect(parseDmarc(['v=DMARC1; p=reject; rua=mailto:a@b.test'])).toMatchObject({ kind: 'record', dmarc: { p: 'reject', sp: 'reject', pct: 100 } });
    expect(parseDmarc(['v=DMARC1;p=quarantine;sp=none;pct=25'])).toMatchObject({ dmarc: { p: 'quarantine', sp: 'none', pct: 25 } });
  });

  it('tolerates whitespace and upper-case values; tag names are not case-sensitive in practice', () => {
    expect(parseDmarc(['v=DMARC1 ;  P = Reject ; pct = 100 '])).toMatchObject({ dmarc: { p: 'reject', pct: 100 } });
  });

  it('discards records that do not start with v=DMARC1 (§6.6.3)', () => {
    expect(parseDmarc(['p=reject; v=DMARC1'])).toEqual({ kind: 'none' });
    expect(parseDmarc(['v=DMARC2; p=reject'])).toEqual({ kind: 'none' });
    expect(parseDmarc(['v=spf1 -all'])).toEqual({ kind: 'none' });
  });

  it('more than one DMARC record: no policy applies', () => {
    expect(parseDmarc(['v=DMARC1; p=reject', 'v=DMARC1; p=none'])).toMatchObject({ kind: 'invalid' });
  });

  it('p missing or invalid: p=none when rua is valid, else the record is discarded (§6.6.3)', () => {
    expect(parseDmarc(['v=DMARC1; rua=mailto:d@c.test'])).toMatchObject({ kind: 'record', dmarc: { p: 'none' } });
    expect(parseDmarc(['v=DMARC1; p=block; rua=mailto:d@c.test'])).toMatchObject({ kind: 'record', dmarc: { p: 'none' } });
    expect(parseDmarc(['v=DMARC1; p=block'])).toMatchObject({ kind: 'invalid' });
    expect(parseDmarc(['v=DMARC1'])).toMatchObject({ kind: 'invalid' });
  });

  it('an unparsable pct falls back to 100; larger values are capped', () => {
    expect(parseDmarc(['v=DMARC1; p=reject; pct=abc'])).toMatchObject({ dmarc: { pct: 100 } });
    expect(parseDmarc(['v=DMARC1; p=reject; pct=150'])).toMatchObject({ dmarc: { pct: 100 } });
    expect(parseDmarc(['v=DMARC1; p=reject; pct=0'])).toMatchObject({ dmarc: { pct: 0 } });
  });

  it('enforced = quarantine or reject on all failing mail', () => {
    expect(isEnforced('reject', 100)).toBe(true);
    expect(isEnforced('quarantine', 100)).toBe(true);
    expect(isEnforced('quarantine', 50)).toBe(false);
    expect(isEnforced('none', 100)).toBe(false);
  });
});

describe('DKIM (RFC 6376, Microsoft 365 selectors)', () => {
  it('recognises both Microsoft CNAME formats', () => {
    expect(classifyDkimCname('selector1-contoso-com._domainkey.contoso.onmicrosoft.com.')).toMatchObject({ kind: 'cname', microsoft: 'legacy' });
    expect(classifyDkimCname('selector1-contoso-com._domainkey.contoso.n-v1.dkim.mail.microsoft')).toMatchObject({ kind: 'cname', microsoft: 'current' });
    expect(classifyDkimCname('s1.domainkey.u123.wl.sendgrid.net')).toMatchObject({ kind: 'cname', microsoft: null });
  });

  it('a key record has a non-empty p=; v=DKIM1 is optional but must come first', () => {
    expect(parseDkimKey(['v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3'])).toEqual({ kind: 'key' });
    expect(parseDkimKey(['k=rsa; p=MIGfMA0GCSqGSIb3'])).toEqual({ kind: 'key' });
    expect(parseDkimKey(['k=rsa; v=DKIM1; p=MIGf'])).toEqual({ kind: 'none' });
    expect(parseDkimKey(['v=DKIM2; p=MIGf'])).toEqual({ kind: 'none' });
    expect(parseDkimKey(['some verification text'])).toEqual({ kind: 'none' });
  });

  it('an empty p= is a revoked key', () => {
    expect(parseDkimKey(['v=DKIM1; p='])).toEqual({ kind: 'revoked' });
  });
});
