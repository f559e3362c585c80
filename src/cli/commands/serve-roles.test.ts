/**
 * `ratchet serve --role`: only PostgreSQL can split the work between processes, so with SQLite any role but `all`
 * is refused before anything starts (exit 2, with the reason and the way out); an unknown role is a usage error;
 * `storage.password` is checked against the URL it completes.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';

const tenant = {
  id: 'contoso',
  name: 'Contoso Ltd',
  m365: { tenantId: '00000000-0000-0000-0000-000000000000', clientId: '11111111-1111-1111-1111-111111111111', clientSecret: '${env:CONTOSO_SECRET}' },
};
const env = { CONTOSO_SECRET: 'contoso-secret-value-0123456789', DB_PASSWORD: 'db-pass-w0rd!-9876' };

let dir: string;
beforeEach(() => {
  dir = tempDir('ratchet-roles-');
});

const serve = (storage: Record<string, unknown>, ...args: string[]) =>
  runCli(['--config', writeConfig(dir, { storage, server: { port: 0 }, tenants: [tenant] }), 'serve', ...args], env);

describe('serve --role', () => {
  it.each(['scheduler', 'worker', 'web'])('refuses --role %s with SQLite: exit 2 naming PostgreSQL and ratchet migrate', async (role) => {
    const r = await serve({ url: `sqlite:${join(dir, 'ratchet.db')}` }, '--role', role);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--role ${role} needs storage.url to be a PostgreSQL URL`);
    expect(r.stderr).toContain('ratchet migrate --from sqlite:');
  });

  it('refuses an unknown role (exit 2, listing the roles)', async () => {
    const r = await serve({ url: `sqlite:${join(dir, 'ratchet.db')}` }, '--role', 'janitor');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--role must be one of all, scheduler, worker, web');
  });

  it('refuses storage.password beside a URL that already holds one, without repeating either', async () => {
    const r = await serve({ url: 'postgres://ratchet:${env:DB_PASSWORD}@127.0.0.1:9/ratchet', password: '${env:DB_PASSWORD}' }, '--role', 'worker');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keep only one of them');
    expect(r.stderr).not.toContain(env.DB_PASSWORD);
  });

  it('refuses storage.password with a SQLite URL', async () => {
    const r = await serve({ url: `sqlite:${join(dir, 'ratchet.db')}`, password: '${env:DB_PASSWORD}' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('storage.password is set but storage.url names a SQLite file');
    expect(r.stderr).not.toContain(env.DB_PASSWORD);
  });
});
