/**
 * `ratchet token create|list|revoke`: the token is printed once on stdout and only the SHA-256 of its secret is
 * stored (the SQLite files never contain the secret); unknown tenants and bad roles are usage errors (exit 2).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { checkToken, hashSecret, parseToken } from '../../web/tokens.js';
import { runCli, tempDir, writeConfig } from '../../../bench/lib/cli.js';

const m365 = (id: string) => ({
  tenantId: '00000000-0000-0000-0000-000000000000',
  clientId: '11111111-1111-1111-1111-111111111111',
  clientSecret: `\${env:${id.toUpperCase()}_SECRET}`,
});

let dir: string;
let configPath: string;
let dbPath: string;
beforeEach(() => {
  dir = tempDir('ratchet-token-cli-');
  dbPath = join(dir, 'ratchet.db');
  configPath = writeConfig(dir, {
    storage: { url: `sqlite:${dbPath}` },
    tenants: [
      { id: 'contoso', name: 'Contoso Ltd', m365: m365('contoso') },
      { id: 'fabrikam', name: 'Fabrikam', m365: m365('fabrikam') },
    ],
  });
});

const cli = (...args: string[]) => runCli(['--config', configPath, 'token', ...args]);

/** Every byte SQLite may have written: the database, its WAL and shared-memory files. */
function databaseBytes(): string {
  return ['', '-wal', '-shm']
    .map((s) => `${dbPath}${s}`)
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('\n');
}

describe('ratchet token create', () => {
  it('prints the token once on stdout, says it cannot be shown again, and stores only the hash of its secret', async () => {
    const r = await cli('create', '--role', 'technician', '--tenants', 'contoso,fabrikam', '--name', 'alice@msp');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const token = lines[0]!;
    expect(token).toMatch(/^rtk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toMatch(/cannot be shown again/);
    expect(r.stderr).not.toContain(token);
    expect(r.logs).not.toContain(parseToken(token)!.secret);

    const { id, secret } = parseToken(token)!;
    const bytes = databaseBytes();
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).not.toContain(secret);
    expect(bytes).not.toContain(token);
    expect(bytes).toContain(hashSecret(secret));

    const store = new SqliteStore(dbPath);
    try {
      const row = await store.getToken(id);
      expect(row).toMatchObject({ name: 'alice@msp', role: 'technician', tenants: ['contoso', 'fabrikam'], createdBy: 'cli', revokedAt: null });
      expect(row?.tokenHash).toBe(hashSecret(secret));
      expect((await checkToken(store, token)).ok).toBe(true);
      const [audit] = await store.auditLog();
      expect(audit).toMatchObject({ action: 'token.created', actor: 'cli', target: id });
      expect(JSON.stringify(audit)).not.toContain(secret);
    } finally {
      await store.close();
    }
  });

  it('without --tenants the token sees all tenants', async () => {
    const r = await cli('create', '--role', 'viewer', '--name', 'dash');
    expect(r.code).toBe(0);
    const list = JSON.parse((await cli('list', '--format', 'json')).stdout) as { tokens: Array<{ tenants: string[] | null }> };
    expect(list.tokens[0]?.tenants).toBeNull();
  });

  it.each([
    [['create', '--role', 'viewer', '--name', 'x', '--tenants', 'contoso,atlantis'], /unknown tenant id atlantis/],
    [['create', '--role', 'viewer', '--name', 'x', '--tenants', ','], /--tenants/],
    [['create', '--role', 'root', '--name', 'x'], /root/],
    [['create', '--name', 'x'], /--role/],
    [['create', '--role', 'viewer'], /--name/],
    [['create', '--role', 'viewer', '--name', '   '], /--name/],
  ])('%j is a usage error (exit 2) and creates nothing', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    const list = await cli('list', '--format', 'json');
    expect(JSON.parse(list.stdout)).toEqual({ tokens: [] });
  });
});

describe('ratchet token list / revoke', () => {
  it('lists tokens without secrets or hashes; revoke ends the token at once and is idempotent', async () => {
    const token = (await cli('create', '--role', 'admin', '--name', 'ops')).stdout.trim();
    const { id, secret } = parseToken(token)!;

    const table = await cli('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+admin\\s+active\\s+ops`));
    const json = await cli('list', '--format', 'json');
    expect(json.stdout).not.toContain(secret);
    expect(json.stdout).not.toContain(hashSecret(secret));
    expect(json.stdout).not.toMatch(/tokenHash/);

    const revoked = await cli('revoke', id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked token/);
    expect((await cli('list')).stdout).toMatch(new RegExp(`${id}\\s+admin\\s+revoked`));
    const again = await cli('revoke', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already revoked/);

    const store = new SqliteStore(dbPath);
    try {
      expect(await checkToken(store, token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect((await store.auditLog()).map((e) => e.action)).toEqual(['token.revoked', 'token.created']);
    } finally {
      await store.close();
    }
  });

  it('revoking an unknown id is a usage error', async () => {
    const r = await cli('revoke', 'ffffffffffff');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no token with id/);
  });

  it('an empty list says how to create a token', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ratchet token create/);
  });
});
