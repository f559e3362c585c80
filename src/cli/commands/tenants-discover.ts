/**
 * `ratchet tenants discover [--write DIR] [--format table|json|yaml]` (DESIGN §12): the MSP's customers, listed from
 * its partner tenant with the app and credential of `defaults.m365` (`partnerTenantId` names that tenant), each with
 * whether the app is consented there yet and whether the config already has it. `--write DIR` leaves one tenant file
 * per new customer (`DIR/<id>.yaml`, what `include: [ "tenants.d/*.yaml" ]` reads), never overwriting one.
 *
 * Exit codes (DESIGN §3): 0 listed (whatever the consent states), 2 config or usage error (no defaults.m365 or
 * partnerTenantId), 1 discovery failed (no token in the partner tenant, permission missing, Graph down).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Context } from '../../app/context.js';
import { EXIT } from '../../app/io.js';
import type { CollectorPlugin, DiscoveredCustomer } from '../../collector-kit/plugin.js';
import { collectorAbortController } from '../../collector-kit/plugin.js';
import { ConfigError } from '../../config/load.js';
import { partnerSection } from '../../config/portfolio.js';
import { scrub } from '../../log/secrets.js';
import { discoveryJson, discoveryTable, lineUp, pasteableYaml, tenantFileText, type DirectoryField, type DiscoveryRow, type DiscoverySource, type WriteOutcome } from '../../portfolio/discovered.js';
import type { CommandDeps } from '../command.js';

const FORMATS = ['table', 'json', 'yaml'] as const;
type Format = (typeof FORMATS)[number];

interface Options {
  write?: string;
  format: Format;
}

/** The configured tenants and the directory each reads (`m365.tenantId` for Microsoft 365). */
function configuredTenants(ctx: Context, where: DirectoryField): Array<{ id: string; directory?: string }> {
  return ctx.config.tenants.map((t) => {
    const section = (t as Record<string, unknown>)[where.section] as Record<string, unknown> | undefined;
    const value = section?.[where.field];
    return { id: t.id, ...(typeof value === 'string' ? { directory: value } : {}) };
  });
}

async function discover(ctx: Context, io: CommandDeps['io']): Promise<{ plugin: CollectorPlugin; partnerTenantId: string; customers: DiscoveredCustomer[] }> {
  // Throws ConfigError (exit 2) naming defaults.m365 / defaults.m365.partnerTenantId when they are missing.
  const { plugin, section } = partnerSection(ctx.config, ctx.plugins);
  const discoverFn = plugin.portfolio?.discover;
  if (!discoverFn) throw new Error(`the ${plugin.id} collector cannot discover customers`);
  const field = plugin.portfolio?.tenantFields[0] ?? 'tenantId';
  const partnerTenantId = String((section as Record<string, unknown>)[field]);
  const controller = collectorAbortController();
  const timer = setTimeout(() => controller.abort(new Error('discovery timed out (scan.collectorTimeoutSeconds)')), ctx.config.scan.collectorTimeoutSeconds * 1000);
  try {
    const customers = await discoverFn(section, {
      tenantId: partnerTenantId,
      logger: ctx.logger.child({ command: 'tenants discover', collector: plugin.id }),
      signal: controller.signal,
      now: io.now ?? (() => new Date()),
      rateGate: ctx.rateGate,
    });
    return { plugin, partnerTenantId, customers };
  } finally {
    clearTimeout(timer);
  }
}

/** One file per new customer in `dir`; an existing file is left as it is. */
function writeTenantFiles(dir: string, rows: readonly DiscoveryRow[], where: DirectoryField, source: DiscoverySource): Map<string, WriteOutcome> {
  const outcomes = new Map<string, WriteOutcome>();
  const fresh = rows.filter((r) => r.newId !== null);
  if (fresh.length === 0) return outcomes;
  mkdirSync(dir, { recursive: true });
  for (const row of fresh) {
    const path = join(dir, `${row.newId}.yaml`);
    if (existsSync(path)) {
      outcomes.set(row.customer.tenantId, { path, status: 'exists' });
      continue;
    }
    // 'wx': fail rather than overwrite, should the file appear between the check and the write.
    writeFileSync(path, tenantFileText(row, where, source), { flag: 'wx', mode: 0o644 });
    outcomes.set(row.customer.tenantId, { path, status: 'written' });
  }
  return outcomes;
}

function writeSummary(outcomes: ReadonlyMap<string, WriteOutcome>, rows: readonly DiscoveryRow[]): string {
  if (outcomes.size === 0) return 'no file written: every customer is configured already\n';
  // Relative to the working directory when inside it, else absolute.
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const lines = rows
    .filter((r) => outcomes.has(r.customer.tenantId))
    .map((r) => {
      const o = outcomes.get(r.customer.tenantId)!;
      return o.status === 'written' ? `wrote ${shown(o.path)} (${r.customer.name})` : `skipped ${shown(o.path)}: exists (${r.customer.name})`;
    });
  return `${lines.join('\n')}\n`;
}

export function registerTenantsDiscover(parent: Command, { io, withContext, exit }: CommandDeps): void {
  parent
    .command('discover')
    .description("list the MSP's customers from its partner tenant (defaults.m365.partnerTenantId), with the app's consent in each")
    .option('--write <dir>', 'write one tenant file per customer not configured yet (DIR/<id>.yaml; existing files are kept)')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('table'))
    .action(async (o: Options) => {
      exit(
        await withContext(async (ctx) => {
          let found;
          try {
            found = await discover(ctx, io);
          } catch (err) {
            if (err instanceof ConfigError) throw err;
            io.err(`ratchet: discovery failed: ${scrub((err as Error).message ?? String(err))}\n`);
            return EXIT.runtime;
          }
          const { plugin, partnerTenantId, customers } = found;
          const where: DirectoryField = { section: plugin.section, field: plugin.portfolio?.tenantFields[0] ?? 'tenantId' };
          const rows = lineUp(customers, configuredTenants(ctx, where));
          const source: DiscoverySource = { partnerTenantId, at: (io.now?.() ?? new Date()).toISOString() };
          const writes = o.write ? writeTenantFiles(resolve(o.write), rows, where, source) : new Map<string, WriteOutcome>();

          if (o.format === 'json') io.out(`${JSON.stringify(discoveryJson(rows, source, writes), null, 2)}\n`);
          else if (o.format === 'yaml') io.out(pasteableYaml(rows, where, source));
          else io.out(discoveryTable(rows, source));
          // stdout stays one document for json and yaml; what --write did goes beside it.
          if (o.write) (o.format === 'table' ? io.out : io.err)(`${o.format === 'table' ? '\n' : ''}${writeSummary(writes, rows)}`);
          return EXIT.ok;
        }),
      );
    });
}
