/**
 * A client-certificate credential file: a PEM holding a private key and its certificate, or a PKCS#12 archive
 * (.pfx/.p12, binary or Base-64 as a vault hands it out), told apart by content — never by the file's extension.
 * Both become the same in-memory PEM (unencrypted key, then its certificate, then any chain), which is what
 * @azure/identity reads: it takes PEM only. The key never touches the disk decrypted.
 *
 * One reader serves the config check at load time (src/config/files.ts) and the credential at scan time, so the two
 * can never disagree about a file. Messages name the file and the password field, never the password.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';

export type CertificateFormat = 'PEM' | 'PFX';

export interface ClientCertificate {
  format: CertificateFormat;
  /** Unencrypted private key (PKCS#8), the key's certificate, then the rest of the chain. A secret: never log it. */
  pem: string;
  /** SHA-1 thumbprint of the key's certificate, upper-case hex without separators (as the Entra portal shows it). */
  thumbprint: string;
  /** The certificate's subject and expiry, for messages. */
  subject: string;
  validTo: string;
}

/** A file that cannot serve as a client certificate; the message names the file (and the password field) and the fix. */
export class ClientCertificateError extends Error {
  override name = 'ClientCertificateError';
}

export interface ReadOptions {
  /** The password of a PKCS#12 file or of an encrypted PEM key, when the config gives one. */
  password?: string;
  /** How messages name the password setting (default certificatePassword). */
  passwordField?: string;
  /** How messages name the file (default: the path as given). */
  shown?: string;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;
const BASE64_TEXT = /^[A-Za-z0-9+/=\s]+$/;

function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split('\n')[0] ?? '';
}

/** Read and check a client-certificate file; throws ClientCertificateError with a message naming the fix. */
export function readClientCertificate(path: string, options: ReadOptions = {}): ClientCertificate {
  const shown = options.shown ?? path;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ClientCertificateError(code === 'ENOENT' ? `file not found: ${shown}` : `cannot read ${shown} (${code}): let the user running ratchet read it`);
  }
  return parseClientCertificate(content, { ...options, shown });
}

/** The same check on a file's content (`options.shown` names it in messages). */
export function parseClientCertificate(content: Buffer, options: ReadOptions = {}): ClientCertificate {
  const shown = options.shown ?? 'the certificate file';
  const field = options.passwordField ?? 'certificatePassword';
  const text = content.toString('latin1');
  if (text.includes('-----BEGIN ')) return fromPem(content.toString('utf8'), shown, field, options.password);
  const der = pkcs12Der(content, text);
  if (!der) {
    throw new ClientCertificateError(
      `${shown} is neither a PEM file (no "-----BEGIN" block) nor a PKCS#12 (.pfx/.p12) archive: export the certificate with its private key as PEM or PFX`,
    );
  }
  return fromPkcs12(der, shown, field, options.password);
}

/** The DER bytes of a PKCS#12 archive given as binary or as Base-64 text (Key Vault hands PFX secrets out so), or null. */
function pkcs12Der(content: Buffer, text: string): Buffer | null {
  // DER: a SEQUENCE (0x30) whose first element is INTEGER 3 (the PFX version).
  const looksDer = (b: Buffer) => b.length > 4 && b[0] === 0x30;
  if (looksDer(content)) return content;
  if (BASE64_TEXT.test(text)) {
    const decoded = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    if (looksDer(decoded)) return decoded;
  }
  return null;
}

function fromPkcs12(der: Buffer, shown: string, field: string, password: string | undefined): ClientCertificate {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    // An archive exported without a password carries a MAC keyed with the empty password.
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (err) {
    const message = firstLine(err);
    if (/MAC could not be verified|Invalid password/i.test(message)) {
      throw new ClientCertificateError(
        password === undefined
          ? `${shown} is a password-protected PKCS#12 (PFX) file: set ${field} to the password it was exported with (e.g. \${env:RATCHET_CERT_PASSWORD})`
          : `${shown}: ${field} does not open this PKCS#12 (PFX) file (wrong password): set ${field} to the password it was exported with`,
      );
    }
    throw new ClientCertificateError(`${shown} does not parse as a PKCS#12 (PFX) file (${message}): export the certificate with its private key again`);
  }
  const bagsOf = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(forge.pki.oids.keyBag!)];
  const certBags = bagsOf(forge.pki.oids.certBag!);
  if (keyBags.length === 0) {
    throw new ClientCertificateError(`${shown} holds no private key: export the PFX "with the private key" (the key signs the client assertion)`);
  }
  if (certBags.length === 0) throw new ClientCertificateError(`${shown} holds no certificate: export the PFX with the certificate registered on the app`);
  let key: KeyObject;
  try {
    // forge decodes RSA keys itself; any other key type stays raw ASN.1 (PrivateKeyInfo), which Node reads.
    const bag = keyBags[0]!;
    const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
    if (!info) throw new Error('empty key bag');
    key = createPrivateKey({ key: Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new ClientCertificateError(`${shown} holds a private key that does not parse (${firstLine(err)}): export the PFX again`);
  }
  const certificates: X509Certificate[] = [];
  for (const bag of certBags) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    if (!asn1) continue;
    try {
      certificates.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')));
    } catch (err) {
      throw new ClientCertificateError(`${shown} holds a certificate that does not parse (${firstLine(err)}): export the PFX again`);
    }
  }
  return assemble('PFX', key, certificates, shown);
}

function fromPem(pem: string, shown: string, field: string, password: string | undefined): ClientCertificate {
  const keyBlock = PRIVATE_KEY_BLOCK.exec(pem);
  if (!keyBlock) {
    throw new ClientCertificateError(`${shown} holds no private key (no "-----BEGIN PRIVATE KEY-----" block): put the private key and the certificate in one PEM file, or use a PFX`);
  }
  const encrypted = keyBlock[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(keyBlock[0]);
  if (encrypted && password === undefined) {
    throw new ClientCertificateError(
      `${shown} holds an encrypted private key: set ${field} to its passphrase (e.g. \${env:RATCHET_CERT_PASSWORD}), or store the key unencrypted in a file only ratchet can read`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(encrypted ? { key: keyBlock[0], passphrase: password } : { key: keyBlock[0] });
  } catch (err) {
    if (encrypted) throw new ClientCertificateError(`${shown}: ${field} does not decrypt the private key (wrong passphrase): set ${field} to the key's passphrase`);
    throw new ClientCertificateError(`${shown} holds a private key that does not parse (${firstLine(err)}): export the key again in PEM form`);
  }
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new ClientCertificateError(`${shown} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block): add the certificate registered on the app`);
  }
  const certificates = blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new ClientCertificateError(`${shown} holds a certificate that does not parse (${firstLine(err)}): save it in PEM (Base-64) form again`);
    }
  });
  return assemble('PEM', key, certificates, shown);
}

/** The key's own certificate first (@azure/identity sends the first one's thumbprint), the rest after it. */
function assemble(format: CertificateFormat, key: KeyObject, certificates: X509Certificate[], shown: string): ClientCertificate {
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new ClientCertificateError(
      `${shown}: the private key is of type ${key.asymmetricKeyType ?? 'unknown'}, not RSA: Entra ID client assertions are signed RS256/PS256, so the certificate needs an RSA key`,
    );
  }
  const leaf = certificates.find((c) => c.checkPrivateKey(key));
  if (!leaf) {
    throw new ClientCertificateError(`${shown}: the private key does not belong to the first certificate in the file, nor to any other: put the key and its own certificate together`);
  }
  const ordered = [leaf, ...certificates.filter((c) => c !== leaf)];
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
  return {
    format,
    pem: `${keyPem}\n${ordered.map((c) => c.toString().trim()).join('\n')}\n`,
    thumbprint: leaf.fingerprint.replace(/:/g, '').toUpperCase(),
    subject: leaf.subject.replace(/\n/g, ', '),
    validTo: leaf.validTo,
  };
}
