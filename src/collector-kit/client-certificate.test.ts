import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientCertificateError, parseClientCertificate, readClientCertificate } from './client-certificate.js';
import { makeTestCertificate, pfxFromPem, type TestCertificate } from './testing/client-certificates.js';

const PASSWORD = 'pfx-Pa55word-not-in-messages';
let dir: string;
let app: TestCertificate;
let other: TestCertificate;

const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ClientCertificateError);
    expect((err as Error).message).not.toContain(PASSWORD);
    return (err as Error).message;
  }
  throw new Error('expected a ClientCertificateError');
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratchet-client-cert-'));
  app = makeTestCertificate('ratchet-app');
  other = makeTestCertificate('someone-else');
});

describe('client certificate files', () => {
  it('reads a PEM: the same key and certificate, the thumbprint of the certificate', () => {
    const cert = readClientCertificate(file('app.pem', app.combinedPem));
    expect(cert).toMatchObject({ format: 'PEM', thumbprint: app.thumbprint });
    expect(cert.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    const key = createPrivateKey(cert.pem);
    expect(new X509Certificate(app.certPem).checkPrivateKey(key)).toBe(true);
  });

  it.each(['aes256', '3des'] as const)('reads a PFX (%s) into the same PEM, telling it from PEM by content, not extension', (algorithm) => {
    const path = file(`app-${algorithm}.pem`, pfxFromPem(app.combinedPem, PASSWORD, { algorithm }));
    const cert = readClientCertificate(path, { password: PASSWORD });
    expect(cert).toMatchObject({ format: 'PFX', thumbprint: app.thumbprint });
    expect(new X509Certificate(app.certPem).checkPrivateKey(createPrivateKey(cert.pem))).toBe(true);
    // Unencrypted in memory: @azure/identity gets a PEM it can read without any password.
    expect(cert.pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.pem).not.toContain('ENCRYPTED');
  });

  it('reads a Base-64 PFX (as Key Vault hands a certificate secret out) and a PFX without a password', () => {
    const b64 = file('vault.pfx', pfxFromPem(app.combinedPem, PASSWORD).toString('base64'));
    expect(readClientCertificate(b64, { password: PASSWORD })).toMatchObject({ format: 'PFX', thumbprint: app.thumbprint });
    const open = file('open.pfx', pfxFromPem(app.combinedPem, ''));
    expect(readClientCertificate(open)).toMatchObject({ format: 'PFX', thumbprint: app.thumbprint });
  });

  it('puts the key’s own certificate first when the PFX carries a chain', () => {
    const path = file('chain.pfx', pfxFromPem(`${app.keyPem}${other.certPem}${app.certPem}`, PASSWORD));
    const cert = readClientCertificate(path, { password: PASSWORD });
    expect(cert.thumbprint).toBe(app.thumbprint);
    expect(cert.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new X509Certificate(cert.pem.slice(cert.pem.indexOf('-----BEGIN CERTIFICATE'))).fingerprint.replace(/:/g, '')).toBe(app.thumbprint);
  });

  it('names certificatePassword, never the password, when a PFX does not open', () => {
    const path = file('locked.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    expect(failure(() => readClientCertificate(path, { password: 'wrong-one' }))).toBe(
      `${path}: certificatePassword does not open this PKCS#12 (PFX) file (wrong password): set certificatePassword to the password it was exported with`,
    );
    expect(failure(() => readClientCertificate(path))).toMatch(/is a password-protected PKCS#12 \(PFX\) file: set certificatePassword/);
    expect(failure(() => readClientCertificate(path, { password: 'x', passwordField: 'pfxPassword' }))).toMatch(/pfxPassword does not open/);
  });

  it('decrypts an encrypted PEM key with the password, and names the setting when it is missing or wrong', () => {
    const encrypted = createPrivateKey(app.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSWORD }).toString();
    const path = file('encrypted.pem', `${encrypted}${app.certPem}`);
    const cert = readClientCertificate(path, { password: PASSWORD });
    expect(cert).toMatchObject({ format: 'PEM', thumbprint: app.thumbprint });
    expect(cert.pem).not.toContain('ENCRYPTED');
    expect(failure(() => readClientCertificate(path))).toMatch(/holds an encrypted private key: set certificatePassword to its passphrase/);
    expect(failure(() => readClientCertificate(path, { password: 'nope' }))).toMatch(/certificatePassword does not decrypt the private key/);
  });

  it('refuses what cannot sign a client assertion, saying why', () => {
    expect(failure(() => readClientCertificate(file('cert-only.pem', app.certPem)))).toMatch(/holds no private key/);
    expect(failure(() => readClientCertificate(file('key-only.pem', app.keyPem)))).toMatch(/holds no PEM certificate/);
    expect(failure(() => readClientCertificate(file('mismatch.pem', `${app.keyPem}${other.certPem}`)))).toMatch(/the private key does not belong to the first certificate/);
    expect(failure(() => readClientCertificate(file('junk.bin', Buffer.from([0x01, 0x02, 0x03]))))).toMatch(/neither a PEM file .* nor a PKCS#12/);
    expect(failure(() => readClientCertificate(file('broken.pfx', Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]))))).toMatch(/does not parse as a PKCS#12/);
    expect(failure(() => readClientCertificate(join(dir, 'absent.pfx')))).toMatch(/^file not found: /);
  });

  it('refuses a non-RSA key: Entra signs client assertions RS256/PS256', async () => {
    const ec = await generate([{ name: 'commonName', value: 'ec-app' }], { keyType: 'ec', curve: 'P-256' });
    expect(failure(() => parseClientCertificate(Buffer.from(`${ec.private}${ec.cert}`), { shown: 'ec.pem' }))).toMatch(/^ec\.pem: the private key is of type ec, not RSA/);
    // An RSA key made elsewhere is fine in PKCS#1 form too.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => parseClientCertificate(Buffer.from(`${privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()}${app.certPem}`))).toThrow(/does not belong/);
  });
});
