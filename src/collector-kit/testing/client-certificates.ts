/**
 * Client-certificate files for tests, made at test time (no private key is ever committed): a self-signed RSA
 * certificate as PEM, and PKCS#12 (.pfx) archives of a PEM key + certificate, built with node-forge the way Windows,
 * Key Vault or `openssl pkcs12 -export` would hand them out. Test code only.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface TestCertificate {
  keyPem: string;
  certPem: string;
  /** Key then certificate: a `certificatePath` PEM. */
  combinedPem: string;
  /** SHA-1 thumbprint, upper-case hex. */
  thumbprint: string;
}

/** A self-signed certificate over a fresh key (RSA 2048 by default; the key is made by Node, which is fast). */
export function makeTestCertificate(commonName = 'ratchet-test-app'): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { keyPem, certPem, combinedPem: `${keyPem.trim()}\n${certPem.trim()}\n`, thumbprint: new X509Certificate(certPem).fingerprint.replace(/:/g, '') };
}

export interface PfxOptions {
  /** Encryption of the key and certificate bags: AES-256 (OpenSSL 3's default) or 3DES (Windows' legacy). */
  algorithm?: 'aes256' | '3des';
  /** Extra certificates after the key's own (a chain). */
  chain?: string[];
}

/**
 * A PKCS#12 archive of the first key and the certificates in `pem` (key's certificate first), protected by
 * `password` ('' = exported without a password, which still carries a MAC keyed with the empty password).
 */
export function pfxFromPem(pem: string, password: string, opts: PfxOptions = {}): Buffer {
  const keyBlock = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!keyBlock) throw new Error('pfxFromPem: no unencrypted private key in the PEM');
  const certs = [...(pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []), ...(opts.chain ?? [])].map((c) => forge.pki.certificateFromPem(c));
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(keyBlock), certs, password, { algorithm: opts.algorithm ?? 'aes256', friendlyName: 'ratchet' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
