/**
 * `ratchet tenants map` end to end (DESIGN §12), real CLI against the simulator over TLS: a portfolio config (shared
 * accounts, `${env:…}`/`${file:…}` secrets, tenants kept in an include dir) where some tenants are not mapped yet.
 * The map proposes the sure matches, lists the ambiguous ones, flags a mapping whose organisation is gone; `--write`
 * edits only the sure ones in their own files (comments kept), the written config loads, and a scan of a newly
 * mapped tenant reads its own organisation only. The Acronis account adds domain evidence: the tenant's M365
 * verified domains (read through Graph) against the customers' contact e-mail.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PLUGINS } from '../../collectors/index.js';
import { runCli } from '../../bench/lib/cli.js';
import { loadConfig } from '../../src/config/load.js';
import type { MapReport } from '../../src/portfolio/map-plan.js';
import { e2e } from './harness.js';

const base = { profile: 'level2' as const, knobs: { users: 20, devices: 10 } };
const TENANTS = [
  { ...base, id: 'contoso', name: 'Contoso Ltd', seed: 'contoso', rmm: 'ninjaone', backup: 'acronis', estate: { endpoints: 14 } },
  { ...base, id: 'fabrikam', name: 'Fabrikam Inc', seed: 'fabrikam', rmm: 'ninjaone', backup: 'acronis', estate: { endpoints: 23 } },
  { ...base, id: 'tailspin', name: 'Tailspin Toys', seed: 'tailspin', rmm: 'ninjaone', backup: 'acronis', estate: { endpoints: 31 } },
  { ...base, id: 'northwind', name: 'Northwind Traders', seed: 'northwind', rmm: 'ninjaone', estate: { endpoints: 17 } },
  // M365 only at the simulator: a second "Northwind Traders" makes the map ambiguous; Adatum carries a stale mapping.
  { ...base, id: 'northwind-legal', name: 'Northwind Traders Ltd', seed: 'northwind-legal' },
  { ...base, id: 'adatum', name: 'Adatum Corporation', seed: 'adatum' },
];

type Tenant = Record<string, unknown> & { id: string };

describe('ratchet tenants map', () => {
  it('proposes, lists the ambiguous, writes only the sure matches in their files, and the result scans', async () => {
    const h = await e2e({ tenants: TENANTS });
    // Re-shape the simulator's config as an MSP keeps it: accounts and two tenants in the main file, the rest one
    // file per client under tenants.d/ (one file holding two), several not mapped to the NinjaOne account yet.
    const main = parse(readFileSync(h.configPath, 'utf8')) as Record<string, unknown> & { tenants: Tenant[] };
    const byId = (id: string) => structuredClone(main.tenants.find((t) => t.id === id)!);
    const without = (t: Tenant, ...keys: string[]) => Object.fromEntries(Object.entries(t).filter(([k]) => !keys.includes(k))) as Tenant;
    const ninjaOrg = (id: string) => (h.sim.vendorSections(id).find((s) => s.kind === 'rmm')!.section.organizationId as number);
    const adatum = byId('adatum');
    delete (adatum.outOfScope as Record<string, unknown>).monitoring;
    const stale = { ...adatum, rmm: { account: 'ninjaone-msp', organizationId: 99 } };
    writeFileSync(h.configPath, stringify({ ...main, include: ['tenants.d/*.yaml'], tenants: [byId('contoso'), stale] }));
    const dir = join(h.dir, 'tenants.d');
    mkdirSync(dir);
    const fabrikamText = `# Fabrikam — onboarded by hand; RMM still to map\n${stringify(without(byId('fabrikam'), 'rmm'))}`;
    writeFileSync(join(dir, 'fabrikam.yaml'), fabrikamText);
    writeFileSync(join(dir, 'tailspin.yaml'), stringify({ ...without(byId('tailspin'), 'rmm', 'backup'), name: 'Tailspin Toys, Inc.' }));
    const northwindText = stringify({ tenants: [without(byId('northwind'), 'rmm'), byId('northwind-legal')] });
    writeFileSync(join(dir, 'northwind.yaml'), northwindText);
    const cli = (...args: string[]) => runCli(['--config', h.configPath, ...args], h.env);

    // The table: what is mapped, proposed, ambiguous, and which mapping needs a look.
    const table = await cli('tenants', 'map', '--account', 'ninjaone-msp');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const line = (id: string) => table.stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    expect(line('contoso')).toMatch(new RegExp(`^contoso\\s+mapped\\s+${ninjaOrg('contoso')}\\s+Contoso Ltd`));
    expect(line('adatum')).toMatch(/^adatum\s+mapped \(check\)\s+99\s+-\s+-\s+99 is not on the account any more/);
    expect(line('fabrikam')).toMatch(new RegExp(`^fabrikam\\s+propose\\s+${ninjaOrg('fabrikam')}\\s+Fabrikam Inc\\s+high\\s+same name`));
    expect(line('tailspin')).toMatch(new RegExp(`^tailspin\\s+propose\\s+${ninjaOrg('tailspin')}\\s+Tailspin Toys\\s+high`));
    expect(line('northwind')).toMatch(/^northwind\s+AMBIGUOUS/);
    expect(line('northwind-legal')).toMatch(/^northwind-legal\s+AMBIGUOUS/);
    expect(table.stdout).toMatch(/With --write, would write rmm: \{"account":"ninjaone-msp","organizationId":\d+\} for fabrikam in .*tenants\.d\/fabrikam\.yaml/);
    expect(table.stdout).toMatch(/Would leave northwind: ambiguous/);
    // Nothing written by a dry run.
    expect(readFileSync(join(dir, 'fabrikam.yaml'), 'utf8')).toBe(fabrikamText);

    const written = await cli('tenants', 'map', '--account', 'ninjaone-msp', '--write', '--format', 'json');
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    const report = JSON.parse(written.stdout) as MapReport;
    expect(report.write!.done).toBe(true);
    expect(report.write!.edits.map((e) => [e.tenant, e.file, e.value])).toEqual([
      ['fabrikam', join(dir, 'fabrikam.yaml'), { account: 'ninjaone-msp', organizationId: ninjaOrg('fabrikam') }],
      ['tailspin', join(dir, 'tailspin.yaml'), { account: 'ninjaone-msp', organizationId: ninjaOrg('tailspin') }],
    ]);
    expect(report.write!.left.map((l) => l.tenant).sort()).toEqual(['northwind', 'northwind-legal']);
    // Only the new section was added; the hand-written comment survives; the ambiguous file is untouched.
    expect(readFileSync(join(dir, 'fabrikam.yaml'), 'utf8')).toBe(`${fabrikamText}rmm:\n  account: ninjaone-msp\n  organizationId: ${ninjaOrg('fabrikam')}\n`);
    expect(readFileSync(join(dir, 'northwind.yaml'), 'utf8')).toBe(northwindText);

    // The written config loads, with full sections for the newly mapped tenants.
    const loaded = loadConfig(h.configPath, PLUGINS, h.env);
    expect(loaded.config.tenants.find((t) => t.id === 'fabrikam')!.rmm).toMatchObject({ provider: 'ninjaone', organizationId: ninjaOrg('fabrikam') });

    // A scan of a newly mapped tenant reads its own organisation only.
    h.sim.resetStats();
    const scan = await h.scan(['--tenant', 'fabrikam']);
    expect(scan.code, scan.stderr).toBe(0);
    const devices = scan.reports[0]!.evidence.find((e) => e.key === 'rmm.devices')!;
    expect(devices.status).toBe('ok');
    expect(devices.value).toMatchObject({ ...h.sim.estate('fabrikam')!.truth()['rmm.devices'], organizationId: ninjaOrg('fabrikam') });

    // Mapped now: a second map shows them mapped and proposes nothing new.
    const again = JSON.parse((await cli('tenants', 'map', '--account', 'ninjaone-msp', '--format', 'json')).stdout) as MapReport;
    expect(again.tenants.filter((t) => t.status === 'mapped').map((t) => t.id).sort()).toEqual(['adatum', 'contoso', 'fabrikam', 'tailspin']);
    expect(again.write!.edits).toEqual([]);

    // Acronis exposes contact e-mail: the tenant's verified domain (from Graph) confirms the name.
    const acronis = await cli('tenants', 'map', '--account', 'acronis-msp', '--format', 'json');
    expect(acronis.code, acronis.stderr).toBe(0);
    const ar = JSON.parse(acronis.stdout) as MapReport;
    const tailspin = ar.tenants.find((t) => t.id === 'tailspin')!;
    const domain = (h.sim.tenants.find((t) => t.id === 'tailspin')!.domain as string).toLowerCase();
    expect(tailspin).toMatchObject({
      status: 'proposed',
      scope: h.sim.vendorSections('tailspin').find((s) => s.kind === 'backup')!.section.customerTenantId,
      confidence: 'high',
      reason: `same name, shared domain ${domain}`,
      domains: [domain],
    });
    expect(ar.tenants.filter((t) => t.status === 'mapped').map((t) => t.id).sort()).toEqual(['contoso', 'fabrikam']);
    expect(ar.domainErrors).toEqual([]);

    // No secret anywhere in what the commands printed.
    for (const out of [table, written, acronis]) for (const s of h.secrets) expect(`${out.stdout}${out.stderr}${out.logs}`).not.toContain(s);
  });

  it('names an unknown account and a listing failure in one line', async () => {
    const h = await e2e({ tenants: TENANTS.slice(0, 2) });
    const unknown = await runCli(['--config', h.configPath, 'tenants', 'map', '--account', 'nope'], h.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('ratchet: --account nope: no such account in the config (accounts: ninjaone-msp, acronis-msp)\n');

    h.sim.setFaults('forbidden=/ninjaone/v2/organizations');
    const refused = await runCli(['--config', h.configPath, 'tenants', 'map', '--account', 'ninjaone-msp'], h.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ratchet: ninjaone: cannot list organizations \(GET \/v2\/organizations\): .*403.* — the NinjaOne API client app needs the "Monitoring" scope[^\n]*\n$/);
  });
});
