/**
 * One CA for the whole test run: the simulators that tests start issue their server certificates from it, and every
 * test worker trusts it through NODE_EXTRA_CA_CERTS — which Node reads only at process start, so it must be set
 * here, before vitest forks its workers. TLS verification stays on everywhere.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatorCertificates } from '../src/simulator/tls.js';

export default async function setup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-test-ca-'));
  const certs = await createSimulatorCertificates({ dir });
  process.env.NODE_EXTRA_CA_CERTS = certs.caPath;
  process.env.RATCHET_TEST_CA_DIR = dir;
}
