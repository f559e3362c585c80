/**
 * `ratchet simulate-history` (hidden; the demo runs it): stores weeks of simulated weekly history for simulator
 * tenants on a fresh store, so levels 4 and 5 (which read 90 and 180 days of history) can show. Refuses any tenant
 * whose endpoints are not the loopback simulator: history is never fabricated for real tenants.
 */
import type { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { EXIT } from '../../app/io.js';
import { ATTESTATION_KINDS, type AttestationKind } from '../../domain/attestation.js';
import { notSimulated, simulateHistory } from '../../scan/simulated-history.js';
import { collect, type CommandDeps } from '../command.js';
import { selectTenants } from '../tenants.js';

export function registerSimulateHistory(program: Command, { withContext, exit }: CommandDeps): void {
  program
    .command('simulate-history', { hidden: true })
    .description('demo only: store weeks of simulated history for simulator tenants (refuses any non-loopback endpoint)')
    .requiredOption('--tenant <id>', 'tenant id (repeatable)', collect)
    .requiredOption('--days <n>', 'days of weekly history to store')
    .option('--attest <kinds>', 'attestations to record over that time, comma-separated (restore_test,dr_plan,strategy_review)')
    .action(async (o: { tenant: string[]; days: string; attest?: string }) => {
      exit(
        await withContext(async (ctx) => {
          const days = Number(o.days);
          if (!Number.isInteger(days) || days < 7 || days > 400) throw new UsageError('--days: a whole number of days from 7 to 400');
          const attest = (o.attest ?? '').split(',').filter(Boolean);
          const unknownKind = attest.find((k) => !(ATTESTATION_KINDS as readonly string[]).includes(k));
          if (unknownKind) throw new UsageError(`--attest ${unknownKind}: not an attestation kind (${ATTESTATION_KINDS.join(', ')})`);
          for (const t of selectTenants(ctx.config, o.tenant)) {
            const why = notSimulated(t);
            if (why) throw new UsageError(`simulate-history: tenant ${t.id} is not a simulator tenant (${why}); history is never fabricated for real tenants`);
            if ((await ctx.store.listScans(t.id, { limit: 1 })).length > 0) {
              ctx.logger.info({ tenant: t.id }, 'simulate-history: the tenant already has history; nothing added');
              continue;
            }
            const n = await simulateHistory(t, { config: ctx.config, plugins: ctx.plugins, ruleSet: ctx.ruleSet, store: ctx.store, logger: ctx.logger }, { days, attest: attest as AttestationKind[] });
            ctx.logger.info({ tenant: t.id, scans: n, days }, 'simulate-history: simulated history stored');
          }
          return EXIT.ok;
        }),
      );
    });
}
