/**
 * `ratchet psa` (DESIGN §13): `check` proves the PSA credentials and settings with one cheap call; `status` shows the
 * ticket outbox (what waits, what failed and why) and the tickets episodes have; `sync` carries out what is due now,
 * as `ratchet scan` does after its scans (for an operator who just fixed the credentials and wants to see it work).
 */
import type { Command } from 'commander';
import { ticketDispatcher } from '../../app/psa.js';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import type { Context } from '../../app/context.js';
import { scrub } from '../../log/secrets.js';
import type { CommandDeps } from '../command.js';

function requirePsa(ctx: Context): NonNullable<Context['psa']> {
  if (!ctx.psa) throw new UsageError('no psa: block in the config: add one (docs/psa.md) to open tickets for regressions');
  return ctx.psa;
}

export function registerPsa(program: Command, { io, withContext, exit }: CommandDeps): void {
  const psa = program.command('psa').description('PSA tickets for confirmed regressions: check the connection, see the ticket queue');

  psa
    .command('check')
    .description('prove the PSA credentials and settings (board, queue, ticket type) with one call; exit 1 if they fail')
    .action(async () => {
      exit(
        await withContext(async (ctx) => {
          const { provider, client } = requirePsa(ctx);
          try {
            await client.check();
          } catch (e) {
            io.out(`FAIL ${provider.title}: ${scrub(e instanceof Error ? e.message : String(e))}\n`);
            return EXIT.runtime;
          }
          const unmapped = ctx.config.tenants.filter((t) => !t.psa).map((t) => t.id);
          io.out(`ok   ${provider.title}: credentials and settings accepted\n`);
          if (unmapped.length > 0) io.out(`note ${unmapped.length} tenant(s) without psa.company get no tickets: ${unmapped.join(', ')}\n`);
          return EXIT.ok;
        }),
      );
    });

  psa
    .command('status')
    .description('the ticket queue (pending and failed operations, with the reason) and the tickets of open episodes')
    .option('--tenant <id>', 'only this tenant')
    .action(async (o: { tenant?: string }) => {
      exit(
        await withContext(async (ctx) => {
          const filter = o.tenant ? { tenantId: o.tenant } : {};
          const ops = await ctx.store.ticketOps({ ...filter, limit: 100_000 });
          const waiting = ops.filter((op) => op.status !== 'delivered');
          const tickets = await ctx.store.tickets(filter);
          io.out(`Ticket operations: ${ops.length - waiting.length} done, ${waiting.filter((w) => w.status === 'pending').length} pending, ${waiting.filter((w) => w.status === 'failed').length} failed\n`);
          for (const op of waiting) {
            const when = op.status === 'pending' ? ` next attempt ${op.nextAttemptAt}` : '';
            io.out(`  ${op.status.padEnd(7)} ${op.payload.tenantId} ${op.payload.action} (episode ${op.payload.episodeId}, attempt ${op.attempts})${when}${op.lastError ? `\n          ${scrub(op.lastError)}` : ''}\n`);
          }
          io.out(`Tickets: ${tickets.length} (${tickets.filter((t) => t.state === 'open').length} open)\n`);
          for (const t of tickets) io.out(`  ${t.state.padEnd(6)} ${t.tenantId} ${t.provider} #${t.ticketId} (episode ${t.episodeId}, since ${t.createdAt})\n`);
          return EXIT.ok;
        }, false),
      );
    });

  psa
    .command('sync')
    .description('carry out the ticket operations that are due now (ratchet serve does this every 15 s)')
    .action(async () => {
      exit(
        await withContext(async (ctx) => {
          const dispatcher = ticketDispatcher(requirePsa(ctx), { store: ctx.store, logger: ctx.logger, now: io.now });
          const r = await dispatcher!.drain(120_000);
          io.out(`${r.done} done, ${r.failed} failed, ${r.pending} pending${r.blocked ? ' (the PSA is not answering or refused the credentials: see ratchet psa status)' : ''}\n`);
          return r.blocked ? EXIT.runtime : EXIT.ok;
        }),
      );
    });
}
