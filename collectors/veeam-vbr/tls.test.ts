/** The collector against a real loopback HTTPS server with a private CA: caFile is honoured, never bypassed. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackHttps, type LoopbackServer } from '../../src/collector-kit/testing/fake-server.js';
import { collectVeeamVbr } from './collect.js';
import { PASSWORD, USERNAME, testConfig, testContext } from './test-support.js';

let server: LoopbackServer | undefined;
let url: string;
let caFile: string;
const seen: string[] = [];

beforeAll(async () => {
  const ca = await generate([{ name: 'commonName', value: 'VBR Test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  server = await loopbackHttps({ key: leaf.private, cert: leaf.cert }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url?.split('?')[0]} ${req.headers['x-api-version']}`);
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/oauth2/token') {
        const form = new URLSearchParams(body);
        const ok = form.get('username') === USERNAME && form.get('password') === PASSWORD;
        res.statusCode = ok ? 200 : 401;
        res.end(JSON.stringify(ok ? { access_token: 't', token_type: 'bearer', refresh_token: 'r', expires_in: 900 } : { errorCode: 'AccessDenied', message: 'Authentication failed.' }));
        return;
      }
      res.end(JSON.stringify({ data: [], pagination: { total: 0, count: 0, skip: 0, limit: 200 } }));
    });
  });
  url = server.url;
  caFile = join(mkdtempSync(join(tmpdir(), 'vbr-ca-')), 'vbr-ca.pem');
  writeFileSync(caFile, ca.cert);
});

afterAll(() => server?.close());

describe('veeam-vbr over TLS with a private CA', () => {
  it('refuses the self-signed server without caFile and names the fix', async () => {
    const result = await collectVeeamVbr(testConfig({ baseUrl: url }), testContext());
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/not trusted: set caFile/);
  });

  it('collects once caFile holds the CA', async () => {
    seen.length = 0;
    const result = await collectVeeamVbr(testConfig({ baseUrl: url, caFile }), testContext());
    expect(result.status).toBe('ok');
    expect(result.evidence[0]!.value).toMatchObject({ protected: 0, jobs: 0 });
    // Sessions twice: backup job runs (30 days) and SureBackup runs (backup.verification); job states once for
    // backup.protection and backup.immutability; order is not fixed.
    expect([...seen].sort()).toEqual(
      [
        'POST /api/oauth2/token 1.2-rev1',
        'GET /api/v1/jobs/states 1.2-rev1',
        'GET /api/v1/sessions 1.2-rev1',
        'GET /api/v1/sessions 1.2-rev1',
        'GET /api/v1/backupObjects 1.2-rev1',
        'GET /api/v1/backupInfrastructure/repositories 1.2-rev1',
      ].sort(),
    );
    expect(result.evidence[1]).toMatchObject({ key: 'backup.verification', status: 'ok', value: { lastVerifiedAt: null, verifiedDaysAgo: null } });
  });
});
