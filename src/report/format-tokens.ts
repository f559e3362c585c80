/** `ratchet token list`: API tokens as a text table — never their secrets (the store keeps only hashes anyway). */

/** The columns of a token the table shows (a stored token record has these, and its hash, which is never shown). */
export interface TokenRow {
  id: string;
  role: string;
  name: string;
  tenants: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function formatTokenTable(rows: readonly TokenRow[]): string {
  const lines = ['id            role        status   name                      tenants              created                   last used'];
  for (const t of rows) {
    lines.push(
      `${t.id.padEnd(13)} ${t.role.padEnd(11)} ${(t.revokedAt ? 'revoked' : 'active').padEnd(8)} ${t.name.slice(0, 25).padEnd(25)} ` +
        `${(t.tenants ? t.tenants.join(',') : 'all').slice(0, 20).padEnd(20)} ${t.createdAt.padEnd(25)} ${t.lastUsedAt ?? '-'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
