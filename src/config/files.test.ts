/**
 * The load-time check of a client certificate that may be a PEM or a PKCS#12 (PFX) file
 * ('certificate-and-key-or-pkcs12'), opened with the section's password field when it names one. The PEM-only kinds
 * are covered in load.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLUGINS } from '../../collectors/index.js';
import { makeTestCertificate, pfxFromPem, type TestCertificate } from '../collector-kit/testing/client-certificates.js';
import { checkConfigFile } from './files.js';
import { ConfigError, parseConfig } from './load.js';

const GUID = '00000000-0000-0000-0000-000000000001';
const PASSWORD = 'Exp0rt-pa55word-of-the-pfx';
const KIND = 'certificate-and-key-or-pkcs12';
const field = (value?: string) => ({ field: 'certificatePassword', value });

let dir: string;
let app: TestCertificate;
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const withCertificate = (m365: Record<string, unknown>) => ({ tenants: [{ id: 'contoso', name: 'Contoso', m365: { tenantId: GUID, clientId: GUID, ...m365 } }] });

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(raw, PLUGINS, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratchet-cfg-pfx-'));
  app = makeTestCertificate();
});

describe('certificate-and-key-or-pkcs12 files', () => {
  it('accepts a PEM, a binary PFX and a Base-64 PFX, whatever the extension', () => {
    expect(checkConfigFile(file('app.pem', app.combinedPem), KIND, dir, field())).toBeNull();
    expect(checkConfigFile(file('app.crt', pfxFromPem(app.combinedPem, PASSWORD)), KIND, dir, field(PASSWORD))).toBeNull();
    expect(checkConfigFile(file('app.txt', pfxFromPem(app.combinedPem, PASSWORD).toString('base64')), KIND, dir, field(PASSWORD))).toBeNull();
  });

  it('says which setting is missing or wrong, never the password', () => {
    const pfx = file('locked.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    expect(checkConfigFile(pfx, KIND, dir, field())).toMatch(/locked\.pfx is a password-protected PKCS#12 \(PFX\) file: set certificatePassword/);
    const wrong = checkConfigFile(pfx, KIND, dir, field('not-it'));
    expect(wrong).toBe(`${pfx}: certificatePassword does not open this PKCS#12 (PFX) file (wrong password): set certificatePassword to the password it was exported with`);
    expect(checkConfigFile('missing.pfx', KIND, dir, field(PASSWORD))).toMatch(/^file not found: missing\.pfx \(resolved from the working directory/);
  });

  it('checks a PEM given in place of the path (a ${file:…} reference resolves to the text)', () => {
    expect(checkConfigFile(app.combinedPem, KIND, dir, field())).toBeNull();
    expect(checkConfigFile(app.certPem, KIND, dir, field())).toMatch(/^the PEM given in place of a path holds no private key/);
  });
});

describe('m365 certificatePath + certificatePassword at config load', () => {
  it('loads a PFX opened by the certificatePassword reference', () => {
    const pfx = file('contoso.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    const loaded = parseConfig(withCertificate({ certificatePath: pfx, certificatePassword: '${env:PFX_PASSWORD}' }), PLUGINS, { PFX_PASSWORD: PASSWORD });
    expect(loaded.config.tenants[0]!.m365).toMatchObject({ certificatePath: pfx, certificatePassword: PASSWORD });
    expect(loaded.warnings).toEqual([]);
  });

  it('a wrong password is a config error naming certificatePath and certificatePassword, without the password', () => {
    const pfx = file('wrong.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    const problems = problemsOf(withCertificate({ certificatePath: pfx, certificatePassword: '${env:PFX_PASSWORD}' }), { PFX_PASSWORD: 'typo-in-the-vault' });
    expect(problems).toEqual([`tenants[0].m365.certificatePath: ${pfx}: certificatePassword does not open this PKCS#12 (PFX) file (wrong password): set certificatePassword to the password it was exported with`]);
    expect(problems.join('\n')).not.toContain('typo-in-the-vault');
  });

  it('a password-protected PFX without certificatePassword names the setting to add', () => {
    const pfx = file('bare.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    expect(problemsOf(withCertificate({ certificatePath: pfx }), {})).toEqual([expect.stringMatching(/^tenants\[0\]\.m365\.certificatePath: .*bare\.pfx is a password-protected PKCS#12 \(PFX\) file: set certificatePassword/)]);
  });

  it('a literal certificatePassword is warned about like any secret', () => {
    const pfx = file('literal.pfx', pfxFromPem(app.combinedPem, PASSWORD));
    const loaded = parseConfig(withCertificate({ certificatePath: pfx, certificatePassword: PASSWORD }), PLUGINS, {});
    expect(loaded.warnings).toEqual([expect.stringMatching(/^tenants\[0\]\.m365\.certificatePassword: holds a literal secret/)]);
  });
});
