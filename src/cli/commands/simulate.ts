/** `ratchet simulate`: the tenant simulator alone, until SIGINT/SIGTERM — for trying configs and for benchmarks. */
import { configYaml, describeSimulator, isProfileName, PROFILE_NAMES, SAMPLE_TENANTS, simulatedProviders, startSimulator, configFor, type TenantSpec } from '../../app/simulator.js';
import type { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import type { CliIO } from '../../app/io.js';
import { EXIT } from '../../app/io.js';
import type { CommandDeps } from '../command.js';

export interface SimulateOptions {
  port: string;
  profile?: string;
  users?: string;
  devices?: string;
  rmm?: string;
  backup?: string;
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

/** A registered vendor of that kind the simulator serves; any other value is a usage error naming the choices. */
function provider(option: string, v: string | undefined, kind: 'rmm' | 'backup'): string | undefined {
  if (v === undefined) return undefined;
  const known = simulatedProviders(kind);
  if (!known.includes(v)) throw new UsageError(`${option} must be one of ${known.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

export async function runSimulate(o: SimulateOptions, io: CliIO, until: Promise<void>): Promise<number> {
  const port = int('--port', o.port, 0, 65535) ?? 0;
  if (o.profile !== undefined && !isProfileName(o.profile)) throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}`);
  const users = int('--users', o.users, 1, 200_000);
  const devices = int('--devices', o.devices, 0, 100_000);
  const latency = int('--latency-ms', o.latencyMs, 0, 60_000);
  const rmm = provider('--rmm', o.rmm, 'rmm');
  const backup = provider('--backup', o.backup, 'backup');
  const custom = o.profile !== undefined || users !== undefined || devices !== undefined || rmm !== undefined || backup !== undefined;
  const tenants: readonly TenantSpec[] = custom
    ? [
        {
          id: 'simulated',
          name: 'Simulated Tenant',
          profile: (o.profile ?? 'level3') as TenantSpec['profile'],
          seed: 'simulated',
          knobs: { ...(users ? { users } : {}), ...(devices !== undefined ? { devices } : {}) },
          ...(rmm ? { rmm } : {}),
          ...(backup ? { backup } : {}),
        },
      ]
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

export function registerSimulate(program: Command, { io, exit }: CommandDeps): void {
  program
    .command('simulate')
    .description('run the tenant simulator alone and print its endpoints and a matching config')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--profile <profile>', 'one tenant of this profile (level1 … level5) instead of the sample portfolio')
    .option('--users <n>', 'users of the single tenant')
    .option('--devices <n>', 'devices of the single tenant')
    .option('--rmm <provider>', `the single tenant's RMM (${simulatedProviders('rmm').join(', ')})`)
    .option('--backup <provider>', `the single tenant's backup product (${simulatedProviders('backup').join(', ')})`)
    .option('--latency-ms <n>', 'added latency per request')
    .option('--faults <spec>', 'fault spec, e.g. 429=0.2,5xx=0.05,403=/security/secureScores')
    .option('--cert-dir <path>', 'keep the CA here so NODE_EXTRA_CA_CERTS can name a stable file')
    .action(async (o: SimulateOptions) => {
      exit(await runSimulate(o, io, untilSignal()));
    });
}
