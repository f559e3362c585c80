/**
 * TLS material for the simulator: a private CA and a server certificate it signs (SAN DNS:localhost, IP:127.0.0.1,
 * IP:::1). Scanners trust the CA through NODE_EXTRA_CA_CERTS or an explicit `ca` option — verification stays on,
 * because identity clients refuse non-https authorities and a scanner that skips verification would hide real bugs.
 *
 * NODE_EXTRA_CA_CERTS is read once at process start (Node 20 has no API to add a root later), so a process that
 * will scan the simulator must be started with it pointing at an existing file. Give `dir` to make that file
 * stable: an existing, still-valid CA there is reused (only the server certificate is re-issued), so the same
 * path works across runs.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SimulatorCertificates {
  /** The CA certificate (PEM): what a client must trust. */
  caPem: string;
  /** The server certificate (PEM), signed by the CA. */
  certPem: string;
  /** The server private key (PEM). */
  keyPem: string;
  /** Path of ca.pem (for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  /** Directory holding ca.pem (and ca-key.pem when `dir` was given). */
  dir: string;
  /** True when an existing CA in `dir` was reused. */
  reusedCa: boolean;
}

const DAY = 86_400_000;
const VALID_DAYS = 30;

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** A CA in `dir` that is valid for at least another day, or null. */
function existingCa(dir: string): { cert: string; key: string } | null {
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca-key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) return null;
  try {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    const x509 = new X509Certificate(cert);
    if (!x509.ca || Date.parse(x509.validTo) - Date.now() < DAY) return null;
    return { cert, key };
  } catch {
    return null;
  }
}

async function createCa(notBefore: Date, notAfter: Date): Promise<{ cert: string; key: string }> {
  // A unique name per CA: OpenSSL looks issuers up by name, so two simulator CAs sharing one would turn "unknown
  // issuer" into a confusing signature failure whenever a process trusts one and talks to the other.
  const name = `Ratchet Simulator Test CA ${randomBytes(4).toString('hex')}`;
  const ca = await generate([{ name: 'commonName', value: name }, { name: 'organizationName', value: 'Ratchet simulator (not trusted by default)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

/**
 * Create (or reuse, see the file comment) the CA and issue a fresh server certificate. No network access.
 * Without `dir`, everything goes to a new private temp directory.
 */
export async function createSimulatorCertificates(opts: { dir?: string } = {}): Promise<SimulatorCertificates> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ratchet-sim-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(notBefore.getTime() + (VALID_DAYS + 1) * DAY);

  const reused = opts.dir ? existingCa(dir) : null;
  const ca = reused ?? (await createCa(notBefore, notAfter));
  const caPath = join(dir, 'ca.pem');
  if (!reused) {
    writeFileSync(caPath, ca.cert, { mode: 0o644 });
    // The CA key is only kept when a stable directory was asked for (to re-issue server certificates later).
    if (opts.dir) writePrivate(join(dir, 'ca-key.pem'), ca.key);
  }

  const caValidTo = new Date(new X509Certificate(ca.cert).validTo);
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    // Never outlive the issuer: a chain with a longer-lived leaf is rejected by some verifiers.
    notAfterDate: new Date(Math.min(notAfter.getTime(), caValidTo.getTime())),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private, caPath, dir, reusedCa: reused !== null };
}

/** A client certificate (self-signed, RSA: client assertions are signed RS256/PS256) for certificate credentials. */
export async function createClientCertificate(commonName: string): Promise<{ certPem: string; keyPem: string; combinedPem: string }> {
  const notBefore = new Date(Date.now() - DAY);
  const cert = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + 365 * DAY),
  });
  // A certificatePath credential wants the private key and the certificate in one PEM file.
  return { certPem: cert.cert, keyPem: cert.private, combinedPem: `${cert.private.trim()}\n${cert.cert.trim()}\n` };
}
