/**
 * `ratchet tenants map --account ID [--write] [--format table|json] [--min-confidence high|medium]` (DESIGN §12):
 * lists a shared vendor account's clients (NinjaOne organisations, Datto sites, Acronis customers) beside the
 * configured tenants and proposes which is which — by normalised name, and by domain where the vendor exposes one
 * (against the tenant's M365 verified domains). `--write` fills organizationId / siteUid / customerTenantId in the
 * file that holds each tenant, for unambiguous matches at or above the confidence asked; ambiguous ones are listed,
 * never written. The written config must load, or every file is put back.
 */
import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import type { Context } from '../../app/context.js';
import { UsageError } from '../../app/errors.js';
import { EXIT, type CliIO } from '../../app/io.js';
import type { CollectorContext, CollectorPlugin, PortfolioClient } from '../../collector-kit/plugin.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { scrub } from '../../log/secrets.js';
import { formatMapTable } from '../../portfolio/format-map.js';
import { buildReport, plannedEdits, selectTenants, type ConsideredTenant, type MapTarget } from '../../portfolio/map-plan.js';
import { matchTenants, type Confidence, type MatchTenant } from '../../portfolio/match.js';
import { applyMappingEdits } from '../../portfolio/write-mappings.js';
import type { CommandDeps } from '../command.js';

interface MapOptions {
  account: string;
  write?: boolean;
  format: 'table' | 'json';
  minConfidence: Extract<Confidence, 'high' | 'medium'>;
}

/** M365 look-ups in flight at once: each is a token and one Graph call for a different tenant. */
const DOMAIN_CONCURRENCY = 4;

export function registerTenantsMap(parent: Command, { io, withContext, exit }: CommandDeps): void {
  parent
    .command('map')
    .description("line a shared vendor account's clients up with the configured tenants; --write fills organizationId / siteUid / customerTenantId")
    .requiredOption('--account <id>', 'the shared vendor account (an id under accounts: in the config)')
    .option('--write', 'write the unambiguous matches into the file holding each tenant (comments and order are kept)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--min-confidence <level>', 'the lowest confidence --write writes').choices(['high', 'medium']).default('high'))
    .action(async (o: MapOptions) => {
      exit(await withContext((ctx) => runTenantsMap(ctx, io, o)));
    });
}

function collectorContext(ctx: Context, io: CliIO, label: string, collector: string): CollectorContext {
  return {
    tenantId: label,
    logger: ctx.logger.child({ tenant: label, collector }),
    signal: AbortSignal.timeout(ctx.config.scan.collectorTimeoutSeconds * 1000),
    now: io.now ?? (() => new Date()),
    rateGate: ctx.rateGate,
  };
}

function accountPlugin(ctx: Context, accountId: string): { account: Record<string, unknown>; plugin: CollectorPlugin; target: MapTarget } {
  const account = ctx.config.accounts.find((a) => a.id === accountId);
  if (!account) {
    const known = ctx.config.accounts.map((a) => a.id);
    throw new UsageError(`--account ${accountId}: no such account in the config (${known.length > 0 ? `accounts: ${known.join(', ')}` : 'the config has no accounts: section'})`);
  }
  const plugin = ctx.plugins.find((p) => p.section !== 'm365' && p.provider === account.provider);
  const portfolio = plugin?.portfolio;
  if (!plugin || !portfolio?.listClients || !portfolio.scopeField || plugin.section === 'm365') {
    throw new UsageError(`--account ${accountId}: the ${account.provider} collector cannot list an account's clients, so there is nothing to map`);
  }
  return {
    account,
    plugin,
    target: { accountId, provider: account.provider, section: plugin.section, scopeField: portfolio.scopeField },
  };
}

/** Each considered tenant's M365 verified domains, when the vendor exposes domains to compare them with. */
async function tenantDomains(ctx: Context, io: CliIO, considered: readonly ConsideredTenant[]): Promise<{ domains: Map<string, string[]>; errors: Array<{ tenant: string; error: string }> }> {
  const domains = new Map<string, string[]>();
  const errors: Array<{ tenant: string; error: string }> = [];
  const m365 = ctx.plugins.find((p) => p.section === 'm365');
  const lookup = m365?.portfolio?.tenantDomains;
  if (!m365 || !lookup) return { domains, errors };
  const queue = considered.filter((c) => c.tenant.m365 !== undefined);
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      try {
        domains.set(c.tenant.id, await lookup(c.tenant.m365, collectorContext(ctx, io, c.tenant.id, m365.id)));
      } catch (err) {
        errors.push({ tenant: c.tenant.id, error: scrub(err instanceof Error ? err.message : String(err)) });
      }
    }
  };
  await Promise.all(Array.from({ length: DOMAIN_CONCURRENCY }, worker));
  errors.sort((a, b) => a.tenant.localeCompare(b.tenant));
  return { domains, errors };
}

async function runTenantsMap(ctx: Context, io: CliIO, o: MapOptions): Promise<number> {
  const { account, plugin, target } = accountPlugin(ctx, o.account);
  // The account is the plugin's validated section plus its id; the collector gets its own section back.
  const { id: _id, ...fields } = account;
  const section = plugin.configSchema.parse(fields);
  const clients: PortfolioClient[] = await plugin.portfolio!.listClients!(section, collectorContext(ctx, io, `account:${o.account}`, plugin.id));

  const selection = selectTenants(ctx.config.tenants, ctx.origins, target);
  const withDomains = clients.some((c) => c.domains.length > 0);
  const { domains, errors } = withDomains ? await tenantDomains(ctx, io, selection.considered) : { domains: new Map<string, string[]>(), errors: [] };
  const tenants: MatchTenant[] = selection.considered.map((c) => ({
    id: c.tenant.id,
    name: c.tenant.name,
    domains: domains.get(c.tenant.id) ?? [],
    ...(c.mappedScope !== undefined ? { mappedScope: c.mappedScope } : {}),
  }));
  const report = buildReport(target, clients, matchTenants(tenants, clients), selection, errors);

  const planned = plannedEdits(report, selection, o.minConfidence);
  const shown = (file: string) => relative(process.cwd(), file) || file;
  if (o.write) {
    const outcome = applyMappingEdits(planned.edits);
    if (outcome.written.length > 0) {
      // What was written must load as the config did before; otherwise nothing stays changed.
      try {
        loadConfig(ctx.configFile, ctx.plugins, io.env);
      } catch (err) {
        outcome.restore();
        const why = err instanceof ConfigError ? err.message : (err as Error).message;
        throw new Error(`tenants map: the config did not load after writing, so every file was put back: ${scrub(why)}`);
      }
    }
    report.write = {
      done: true,
      minConfidence: o.minConfidence,
      edits: outcome.written.map((e) => ({ tenant: e.tenantId, file: o.format === 'json' ? e.file : shown(e.file), section: e.section, value: e.value })),
      left: [...planned.left, ...outcome.refused.map((r) => ({ tenant: r.edit.tenantId, reason: r.reason }))],
    };
  } else {
    report.write = {
      done: false,
      minConfidence: o.minConfidence,
      edits: planned.edits.map((e) => ({ tenant: e.tenantId, file: o.format === 'json' ? e.file : shown(e.file), section: e.section, value: e.value })),
      left: planned.left,
    };
  }

  io.out(o.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatMapTable(report));
  return EXIT.ok;
}
