import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyMappingEdits } from './write-mappings.js';

const MAIN = `# Ratchet config — hand-written, comments must survive
accounts:
  - id: ninja-msp # the MSP's one instance
    provider: ninjaone
    clientSecret: "\${env:NINJA_SECRET}"
tenants:
  # in-house customer first
  - { id: contoso, name: Contoso Ltd } # flow style stays flow
  - id: fabrikam
    name: "Fabrikam, Inc."
    m365: { tenantId: "00000000-0000-4000-8000-000000000001" }
    schedule: "0 3 * * *"   # nightly
`;

const ONE = `# tenants.d/tailspin.yaml — written by tenants discover
id: tailspin
name: Tailspin Toys
m365:
  tenantId: 00000000-0000-4000-8000-000000000002 # consented 2024-05
`;

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ratchet-map-write-'));
}

describe('applyMappingEdits', () => {
  it('adds the section in place, keeping comments, order, quoting, flow style and the file mode', () => {
    const d = dir();
    const main = join(d, 'ratchet.yaml');
    const one = join(d, 'tailspin.yaml');
    writeFileSync(main, MAIN);
    writeFileSync(one, ONE);
    chmodSync(main, 0o640);
    const r = applyMappingEdits([
      { tenantId: 'contoso', file: main, path: ['tenants', 0], section: 'rmm', value: { account: 'ninja-msp', organizationId: 2 } },
      { tenantId: 'fabrikam', file: main, path: ['tenants', 1], section: 'rmm', value: { account: 'ninja-msp', organizationId: 3 } },
      { tenantId: 'tailspin', file: one, path: [], section: 'backup', value: { account: 'acronis-msp', customerTenantId: 'c70134c4-a244-4b22-99ad-e081301f7530' } },
    ]);
    expect(r.refused).toEqual([]);
    expect(r.written.map((e) => e.tenantId)).toEqual(['contoso', 'fabrikam', 'tailspin']);
    const text = readFileSync(main, 'utf8');
    expect(text).toBe(
      MAIN.replace('{ id: contoso, name: Contoso Ltd }', '{ id: contoso, name: Contoso Ltd, rmm: { account: ninja-msp, organizationId: 2 } }').replace(
        '    schedule: "0 3 * * *"   # nightly\n',
        '    schedule: "0 3 * * *" # nightly\n    rmm:\n      account: ninja-msp\n      organizationId: 3\n',
      ),
    );
    expect(statSync(main).mode & 0o777).toBe(0o640);
    expect(readFileSync(one, 'utf8')).toBe(`${ONE}backup:\n  account: acronis-msp\n  customerTenantId: c70134c4-a244-4b22-99ad-e081301f7530\n`);
    expect(parse(readFileSync(one, 'utf8'))).toMatchObject({ id: 'tailspin', backup: { account: 'acronis-msp' } });

    r.restore();
    expect(readFileSync(main, 'utf8')).toBe(MAIN);
    expect(readFileSync(one, 'utf8')).toBe(ONE);
  });

  it('leaves a tenant that moved in its file, or already has the section, with the reason', () => {
    const d = dir();
    const main = join(d, 'ratchet.yaml');
    writeFileSync(main, MAIN);
    const r = applyMappingEdits([
      { tenantId: 'contoso', file: main, path: ['tenants', 1], section: 'rmm', value: { account: 'ninja-msp', organizationId: 2 } },
      { tenantId: 'fabrikam', file: main, path: ['tenants', 1], section: 'm365' as 'rmm', value: { account: 'x' } },
      { tenantId: 'ghost', file: join(d, 'missing.yaml'), path: [], section: 'rmm', value: {} },
    ]);
    expect(r.written).toEqual([]);
    expect(r.refused.map((x) => x.reason)).toEqual([
      expect.stringMatching(/changed since it was read: tenant contoso is not at \["tenants",1\]/),
      expect.stringMatching(/tenant fabrikam already has a m365 section/),
      expect.stringMatching(/cannot read .*missing\.yaml \(ENOENT\)/),
    ]);
    expect(readFileSync(main, 'utf8')).toBe(MAIN);
  });
});
