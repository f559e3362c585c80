/**
 * An untrusted certificate on the Microsoft 365 endpoints is named as such, against a real loopback HTTPS server
 * whose private CA this process does not trust. Verification stays on: the point is the message, not a bypass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackHttps, offline, type LoopbackServer } from '../../src/collector-kit/testing/fake-server.js';
import { createSimulatorCertificates } from '../../src/simulator/tls.js';
import { collectM365 } from './collect.js';
import { m365Plugin } from './index.js';
import { LOGIN, mockLogin, testConfig, testContext } from './test-support.js';

const UNTRUSTED = /the server certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\): set NODE_EXTRA_CA_CERTS to the cloud's CA/;

let server: LoopbackServer;
let url: string;
let hits = 0;

beforeAll(async () => {
  // A fresh private CA (not the test run's CA in NODE_EXTRA_CA_CERTS); the server sends it along with its leaf.
  const certs = await createSimulatorCertificates();
  server = await loopbackHttps({ key: certs.keyPem, cert: `${certs.certPem.trim()}\n${certs.caPem.trim()}\n` }, (_req, res) => {
    hits += 1;
    res.writeHead(500).end();
  });
  url = server.url;
});

afterAll(() => server.close());

offline({
  allow: '127.0.0.1',
  before: () => {
    hits = 0;
  },
});

describe('m365 collector — untrusted server certificate', () => {
  it('names the untrusted certificate of the login endpoint, not an unknown tenant', async () => {
    const result = await collectM365(testConfig({ cloud: { graphEndpoint: url, authorityHost: url } }), testContext());

    expect(result.status).toBe('error');
    expect(result.error).toMatch(UNTRUSTED);
    expect(result.error).toContain(`at ${url} failed`);
    expect(result.error).not.toMatch(/unknown tenant|endpoints_resolution_error/);
    expect(result.evidence.length).toBeGreaterThan(0);
    for (const e of result.evidence) expect(e.reason).toMatch(UNTRUSTED);
    expect(hits).toBe(0);
  });

  it('names the untrusted certificate of the Graph endpoint in the evidence', async () => {
    mockLogin();
    const result = await collectM365(testConfig({ cloud: { graphEndpoint: url, authorityHost: LOGIN }, maxRetries: 0 }), testContext(), {
      retryDelaySeconds: 0,
    });

    expect(result.status).toBe('error');
    expect(result.evidence.length).toBeGreaterThan(0);
    for (const e of result.evidence) {
      expect(e.status).toBe('error');
      expect(e.reason).toMatch(UNTRUSTED);
    }
    expect(hits).toBe(0);
  });

  it('doctor says so on the token check', async () => {
    const checks = await m365Plugin.doctor(testConfig({ cloud: { graphEndpoint: url, authorityHost: url } }), testContext());
    const token = checks.find((c) => c.check === 'token');
    expect(token).toMatchObject({ ok: false, detail: expect.stringMatching(UNTRUSTED) });
  });
});
