import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatorCertificates, startSimulator, type Simulator, type VendorSimulator } from './index.js';
import { request } from './test-support.js';

/** The smallest vendor API: any GET under /probe answers 200, so the TLS checks need no real vendor. */
const probe: VendorSimulator = {
  id: 'probe',
  kind: 'rmm',
  handle: () => ({ status: 200, body: { ok: true } }),
  configSection: () => ({ section: {}, secrets: {} }),
};

describe('simulator TLS', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ vendors: [probe], tenants: [{ id: 'one', name: 'One', profile: 'level2', knobs: { users: 20, devices: 5 } }] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('serves a certificate chain that verifies against the generated CA', async () => {
    const reply = await request(sim, 'GET', `${sim.url}/probe/ping`);
    expect(reply.status).toBe(200);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(sim.caPath, 'utf8')).toBe(sim.caPem);
  });

  it('is refused by a client that does not trust the CA (verification is really on)', async () => {
    const err = await new Promise<Error & { code?: string }>((resolve) => {
      const req = https.request(`${sim.url}/probe/ping`, { method: 'GET' }, () => resolve(new Error('unexpected success')));
      req.on('error', resolve);
      req.end();
    });
    // The test run's global CA (test/global-setup.ts) is trusted by this worker, but it did not issue this server's
    // certificate: verification must fail.
    expect(err.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|CERT_SIGNATURE_FAILURE/);
  });

  it('names localhost and both loopback addresses, and verifies for "localhost" too', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: sim.port, servername: 'localhost', ca: sim.caPem });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    const leaf = new X509Certificate(socket.getPeerX509Certificate()!.raw);
    socket.destroy();
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toMatch(/IP Address:(0:0:0:0:0:0:0:1|::1)/);
    expect(leaf.checkIssued(new X509Certificate(sim.caPem))).toBe(true);
  });

  it('issues a CA and a server certificate valid from yesterday for ~30 days', async () => {
    const certs = await createSimulatorCertificates();
    const ca = new X509Certificate(certs.caPem);
    const leaf = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    const from = Date.parse(leaf.validFrom);
    const to = Date.parse(leaf.validTo);
    expect(Date.now() - from).toBeGreaterThan(20 * 3600_000);
    expect((to - from) / 86_400_000).toBeGreaterThanOrEqual(30);
    expect((to - from) / 86_400_000).toBeLessThan(32);
    // Node does not expose key-usage bits; OpenSSL refuses a CA whose keyUsage lacks keyCertSign when it builds
    // the chain, which the handshake tests above exercise.
  });

  it('reuses a valid CA kept in a given directory, so NODE_EXTRA_CA_CERTS can name a stable file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-ca-'));
    const first = await createSimulatorCertificates({ dir });
    const second = await createSimulatorCertificates({ dir });
    expect(first.reusedCa).toBe(false);
    expect(second.reusedCa).toBe(true);
    expect(second.caPem).toBe(first.caPem);
    expect(second.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(second.certPem).checkIssued(new X509Certificate(first.caPem))).toBe(true);
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o077).toBe(0);
  });
});
