/** `ratchet simulate`: the tenant simulator alone, until SIGINT/SIGTERM — for trying configs and for benchmarks. */
import { configYaml, describeSimulator, isProfileName, PROFILE_NAMES, SAMPLE_TENANTS, startSimulator, configFor, type TenantSpec } from '../simulator/index.js';
import { UsageError } from './context.js';
import type { CliIO } from './io.js';
import { EXIT } from './io.js';

export interface SimulateOptions {
  port: string;
  profile?: string;
  users?: string;
  devices?: string;
  latencyMs?: string;
  faults?: string;
  certDir?: string;
}

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

export async function runSimulate(o: SimulateOptions, io: CliIO, until: Promise<void>): Promise<number> {
  const port = int('--port', o.port, 0, 65535) ?? 0;
  if (o.profile !== undefined && !isProfileName(o.profile)) throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}`);
  const users = int('--users', o.users, 1, 200_000);
  const devices = int('--devices', o.devices, 0, 100_000);
  const latency = int('--latency-ms', o.latencyMs, 0, 60_000);
  const custom = o.profile !== undefined || users !== undefined || devices !== undefined;
  const tenants: readonly TenantSpec[] = custom
    ? [{ id: 'simulated', name: 'Simulated Tenant', profile: (o.profile ?? 'level3') as TenantSpec['profile'], seed: 'simulated', knobs: { ...(users ? { users } : {}), ...(devices !== undefined ? { devices } : {}) } }]
    : SAMPLE_TENANTS;
  let faults: string | undefined = o.faults;
  if (latency !== undefined) faults = [faults, `latency=${latency}`].filter(Boolean).join(',');
  let sim;
  try {
    sim = await startSimulator({ port, tenants, faults, certDir: o.certDir });
  } catch (e) {
    throw new UsageError(`cannot start the simulator: ${(e as Error).message}`);
  }
  const { env } = configFor(sim);
  io.out(`${describeSimulator(sim)}\n\n# Environment for the scanner:\n${Object.entries(env).map(([k, v]) => `export ${k}=${v}`).join('\n')}\n\n${configYaml(sim)}\n`);
  io.err('simulator running; Ctrl-C to stop\n');
  await until;
  await sim.close();
  return EXIT.ok;
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
