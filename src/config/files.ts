/**
 * Files a config names (`caFile`, `certificatePath`) are read by collectors only during a scan, where a typo would
 * be an ENOENT and a failed scan. They are checked when the config loads instead: each must exist, be a readable
 * regular file and hold what its field promises. Paths resolve as their readers resolve them: relative to the
 * working directory.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ClientCertificateError, parseClientCertificate } from '../collector-kit/client-certificate.js';
import { configFiles, type CollectorPlugin, type ConfigFileKind, type ConfigFileSpec } from '../collector-kit/plugin.js';
import { tenantSections } from './sections.js';
import { formatPath } from '../validation/zod-errors.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----/;
const LOADED = '(check the path; it is read when the config loads)';

function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

function firstLine(err: unknown): string {
  return ((err as Error).message ?? String(err)).split('\n')[0] ?? '';
}

/** What is wrong with a certificate PEM, or null. */
function checkCertificates(shown: string, pem: string, what: string): string | null {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    return `${shown} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block): save ${what} in PEM (Base-64) form`;
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `${shown} holds a certificate that does not parse (${firstLine(err)}): save ${what} in PEM (Base-64) form again`;
    }
  }
  return null;
}

/** @azure/identity signs with the key and sends the thumbprint of the first certificate: both must be there and match. */
function checkCertificateAndKey(shown: string, pem: string): string | null {
  const keyType = PRIVATE_KEY_BLOCK.exec(pem)?.[1];
  if (!keyType) {
    return `${shown} holds no private key (no "-----BEGIN PRIVATE KEY-----" block): put the private key and the certificate in one PEM file`;
  }
  if (keyType === 'ENCRYPTED PRIVATE KEY') {
    return `${shown} holds an encrypted private key, and there is no password setting: store the key unencrypted in a file only ratchet can read`;
  }
  const certProblem = checkCertificates(shown, pem, 'the certificate registered on the app');
  if (certProblem) return certProblem;
  let key;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    return `${shown} holds a private key that does not parse (${firstLine(err)}): export the key again in PEM form`;
  }
  const cert = new X509Certificate((pem.match(CERTIFICATE_BLOCK) ?? [])[0]!);
  if (!cert.checkPrivateKey(key)) {
    return `${shown}: the private key does not belong to the first certificate in the file: put the key and its own certificate together`;
  }
  return null;
}

/** A client certificate (PEM or PKCS#12) opened as the collector will open it, with the section's password if any. */
function checkClientCertificate(shown: string, content: Buffer, password: FilePassword | undefined): string | null {
  try {
    parseClientCertificate(content, { shown, password: password?.value, passwordField: password?.field });
    return null;
  } catch (err) {
    if (err instanceof ClientCertificateError) return err.message;
    throw err;
  }
}

/** The password a file field's spec points at: the field's name (for messages) and its resolved value, if set. */
export interface FilePassword {
  field: string;
  value?: string;
}

/**
 * What is wrong with the file `path` names for a field of this kind (one line, without the config path), or null.
 * @param cwd where a relative path starts, as for the code that reads it.
 * @param password for 'certificate-and-key-or-pkcs12': the section's password field.
 */
export function checkConfigFile(path: string, kind: ConfigFileKind, cwd: string = process.cwd(), password?: FilePassword): string | null {
  // A `${file:…}` reference puts a PEM's text in place of its path; the collector accepts that too.
  if (kind === 'certificate-and-key-or-pkcs12' && path.includes('-----BEGIN ')) {
    return checkClientCertificate('the PEM given in place of a path', Buffer.from(path, 'utf8'), password);
  }
  const absolute = resolve(cwd, path);
  const shown = isAbsolute(path) ? path : `${path} (resolved from the working directory to ${absolute})`;
  let stats;
  try {
    stats = statSync(absolute);
  } catch (err) {
    const code = errnoCode(err);
    return code === 'ENOENT' ? `file not found: ${shown} ${LOADED}` : `cannot open ${shown} (${code}) ${LOADED}`;
  }
  if (!stats.isFile()) return `not a regular file: ${shown} (name the file itself, not a directory or device)`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(absolute);
  } catch (err) {
    return `cannot read ${shown} (${errnoCode(err)}): let the user running ratchet read it`;
  }
  if (kind === 'certificate-and-key-or-pkcs12') return checkClientCertificate(shown, bytes, password);
  const content = bytes.toString('utf8');
  return kind === 'ca-certificate' ? checkCertificates(shown, content, 'the CA certificate') : checkCertificateAndKey(shown, content);
}

/** One `path: problem` line per file field of a config block (a tenant's section, an account, defaults) that names an unusable file. */
export function checkBlockFiles(
  blocks: Iterable<{ path: readonly PropertyKey[]; values: Record<string, unknown>; plugin: CollectorPlugin | undefined }>,
  cwd: string = process.cwd(),
): string[] {
  const problems: string[] = [];
  for (const { path, values, plugin } of blocks) {
    const fields = plugin ? configFiles.get(plugin.configSchema) : undefined;
    for (const [field, entry] of Object.entries(fields ?? {})) {
      const value = values[field];
      if (typeof value !== 'string') continue;
      const spec: ConfigFileSpec = typeof entry === 'string' ? { kind: entry } : entry;
      const secret = spec.passwordField ? values[spec.passwordField] : undefined;
      const password = spec.passwordField ? { field: spec.passwordField, value: typeof secret === 'string' ? secret : undefined } : undefined;
      const problem = checkConfigFile(value, spec.kind, cwd, password);
      if (problem) problems.push(`${formatPath([...path, field])}: ${problem}`);
    }
  }
  return problems;
}

/** One `path: problem` line per file field of the tenants' sections that names an unusable file. */
export function checkConfigFiles(
  tenants: ReadonlyArray<Partial<Record<'m365' | 'rmm' | 'backup', unknown>>>,
  plugins: readonly CollectorPlugin[],
  cwd: string = process.cwd(),
): string[] {
  const blocks = [...tenantSections(tenants, plugins)].map((s) => ({ path: ['tenants', s.index, s.section], values: s.values, plugin: s.plugin }));
  return checkBlockFiles(blocks, cwd);
}
