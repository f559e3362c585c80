/**
 * `ratchet token create|list|revoke`: API tokens for the REST API and the web UI sign-in. The secret is printed once
 * and only its hash is stored.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import type { Role } from '../../domain/principal.js';
import { formatTokenTable } from '../../report/format-tokens.js';
import { WebError } from '../../web/errors.js';
import { createApiToken, publicToken, revokeApiToken, ROLES, type PublicToken } from '../../web/tokens.js';
import type { CommandDeps } from '../command.js';

export function registerToken(program: Command, { io, withContext, exit }: CommandDeps): void {
  const token = program.command('token').description('API tokens for the REST API and the web UI sign-in');
  token
    .command('create')
    .description('create a token and print it once (only its hash is stored)')
    .addOption(new Option('--role <role>', 'viewer reads; technician also scans, acknowledges, attests; admin manages tokens').choices([...ROLES]).makeOptionMandatory())
    .requiredOption('--name <label>', 'who or what uses it, for the audit log (e.g. alice@msp, psa-integration)')
    .option('--tenants <ids>', 'comma-separated tenant ids the token may see (default: all tenants)')
    .action(async (o: { role: Role; name: string; tenants?: string }) => {
      exit(
        await withContext(async (ctx) => {
          const tenants = o.tenants === undefined ? null : o.tenants.split(',').map((t) => t.trim()).filter((t) => t !== '');
          if (tenants !== null && tenants.length === 0) throw new UsageError('--tenants: list at least one tenant id, or leave the option out for all tenants');
          let created: { token: string; record: PublicToken };
          try {
            created = await createApiToken(
              ctx.store,
              { name: o.name, role: o.role, tenants },
              { createdBy: 'cli', knownTenants: ctx.config.tenants.map((t) => t.id), now: io.now?.() ?? new Date() },
            );
          } catch (e) {
            if (e instanceof WebError && e.code === 'invalid_request') throw new UsageError(`--${e.message}`);
            throw e;
          }
          const r = created.record;
          io.out(`${created.token}\n`);
          io.err(
            `Created token ${r.id} "${r.name}" (role ${r.role}, tenants ${r.tenants ? r.tenants.join(', ') : 'all'}). ` +
              'Store it now: it cannot be shown again (only its hash is kept).\n',
          );
          return EXIT.ok;
        }, false),
      );
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (o: { format: 'table' | 'json' }) => {
      exit(
        await withContext(async (ctx) => {
          const rows = (await ctx.store.listTokens()).map(publicToken);
          if (o.format === 'json') io.out(`${JSON.stringify({ tokens: rows }, null, 2)}\n`);
          else if (rows.length === 0) io.out('No tokens. Create one with: ratchet token create --role admin --name <label>\n');
          else io.out(formatTokenTable(rows));
          return EXIT.ok;
        }, false),
      );
    });
  token
    .command('revoke')
    .description('revoke a token at once (its browser sessions end too)')
    .argument('<id>', 'token id (the part after rtk_, as shown by `ratchet token list`)')
    .action(async (id: string) => {
      exit(
        await withContext(async (ctx) => {
          const before = await ctx.store.getToken(id);
          if (!before) throw new UsageError(`no token with id ${JSON.stringify(id)} (see \`ratchet token list\`)`);
          if (before.revokedAt) {
            io.out(`Token ${id} was already revoked at ${before.revokedAt}.\n`);
            return EXIT.ok;
          }
          const r = await revokeApiToken(ctx.store, id, { by: 'cli', now: io.now?.() ?? new Date() });
          io.out(`Revoked token ${id} "${r?.name ?? before.name}" at ${r?.revokedAt ?? ''}.\n`);
          return EXIT.ok;
        }, false),
      );
    });
}
