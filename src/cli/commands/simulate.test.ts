/**
 * `ratchet simulate`: prints the simulator's endpoints and a config that loads — for the demo portfolio, or for one
 * tenant of a chosen profile whose RMM and backup product are any registered vendor (`--rmm`, `--backup`).
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PLUGINS } from '../../../collectors/index.js';
import { UsageError } from '../../app/errors.js';
import type { CliIO } from '../../app/io.js';
import { simulatedProviders } from '../../app/simulator.js';
import { parseConfig } from '../../config/load.js';
import { runSimulate } from './simulate.js';

async function simulate(o: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIO = { out: (t) => (out += t), err: () => undefined, env: {} };
  const code = await runSimulate({ port: '0', ...o }, io, Promise.resolve());
  return { code, out };
}

/** The YAML config at the end of the output, with its `${env:…}` secrets given the values the output exports. */
function printedConfig(out: string) {
  const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const yaml = out.slice(out.indexOf('# Ratchet config'));
  const raw = parse(yaml) as { tenants: Array<Record<string, { provider?: string } | string>> };
  return { raw, loaded: parseConfig(raw, PLUGINS, env) };
}

describe('ratchet simulate', () => {
  it('serves the demo portfolio by default and prints a config that loads', async () => {
    const { code, out } = await simulate({});
    expect(code).toBe(0);
    const { raw, loaded } = printedConfig(out);
    expect(raw.tenants.map((t) => t.id)).toEqual(['northwind', 'fabrikam', 'contoso', 'tailspin', 'woodgrove']);
    expect(loaded.config.tenants).toHaveLength(5);
  });

  it('gives the single tenant the RMM and backup product asked for, from any registered vendor', async () => {
    expect(simulatedProviders('rmm')).toEqual(expect.arrayContaining(['ninjaone', 'datto-rmm']));
    expect(simulatedProviders('backup')).toEqual(expect.arrayContaining(['veeam-vbr', 'acronis']));
    for (const [rmm, backup] of [['datto-rmm', 'acronis'], ['ninjaone', 'veeam-vbr']] as const) {
      const { out } = await simulate({ profile: 'level2', rmm, backup });
      const { raw, loaded } = printedConfig(out);
      expect(raw.tenants).toHaveLength(1);
      expect(raw.tenants[0]).toMatchObject({ id: 'simulated' });
      // Shareable products come as an MSP's account the tenant names; the rest in full in the tenant.
      expect(loaded.config.tenants[0]!.rmm).toMatchObject({ provider: rmm });
      expect(loaded.config.tenants[0]!.backup).toMatchObject({ provider: backup });
      expect(loaded.origins[0]!.accounts).toEqual(backup === 'acronis' ? { rmm: `${rmm}-msp`, backup: 'acronis-msp' } : { rmm: `${rmm}-msp` });
    }
  });

  it('refuses a provider the simulator does not serve, naming the ones it does', async () => {
    await expect(simulate({ backup: 'tape-robot' })).rejects.toThrow(UsageError);
    await expect(simulate({ backup: 'tape-robot' })).rejects.toThrow(/--backup must be one of .*veeam-vbr.*"tape-robot"/);
    await expect(simulate({ rmm: 'acronis' })).rejects.toThrow(/--rmm must be one of/);
  });
});
