/**
 * Reads, resolves and validates the config file. Failures are ConfigError: one line per problem, each naming the
 * path and the fix; the CLI prints them and exits 2 — never a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import type { PsaProvider } from '../collector-kit/psa-provider.js';
import { psaConfigIssues } from './psa.js';
import { ConfigError } from './errors.js';
import { checkBlockFiles } from './files.js';
import { expandIncludes, locateProblem, type TenantLocation } from './includes.js';
import { expandPortfolio, type TenantSharing } from './portfolio.js';
import { resolveReferences } from './secrets.js';
import { buildConfigSchema, type RatchetConfig } from './schema.js';
import { formatIssues, formatPath } from '../validation/zod-errors.js';

export { ConfigError };

export interface LoadedConfig {
  config: RatchetConfig;
  /** Non-fatal findings, e.g. a literal secret in the file. */
  warnings: string[];
  file?: string;
  /** Where each tenant came from and what it shares, parallel to `config.tenants`. */
  origins: TenantOrigin[];
}

/** A tenant's file and YAML path (for messages and `tenants map --write`) and the shared blocks it draws on. */
export type TenantOrigin = TenantLocation & TenantSharing;

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RATCHET_CONFIG || 'config/ratchet.yaml';
}

export interface ParseOptions {
  /**
   * Missing secrets, and files named by the config (caFile, certificatePath) that are missing or unusable, are an
   * error only for commands that contact vendors (scan, doctor, serve).
   */
  requireSecrets?: boolean;
  /** The PSA registry (psa/index.ts): with it, the `psa:` block is checked by its provider's schema. */
  psa?: readonly PsaProvider[];
}

export function parseConfig(
  raw: unknown,
  plugins: readonly CollectorPlugin[],
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
  opts: ParseOptions = {},
): LoadedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['the file is empty or not a YAML mapping'], file);
  const included = expandIncludes(raw as Record<string, unknown>, file);
  const locate = (lines: string[]) => lines.map((l) => locateProblem(l, included.locations, file));
  if (included.problems.length > 0) throw new ConfigError(included.problems, file);
  const resolved = resolveReferences(included.raw, env, opts.requireSecrets === false);
  const portfolio = expandPortfolio(resolved.value as Record<string, unknown>, plugins);
  const schema = buildConfigSchema(plugins, opts.psa);
  const parsed = schema.safeParse(portfolio.value);
  // A missing env var already produced a clearer message for that path than zod's "Required"; a tenant whose
  // shared block is invalid lost that section on purpose (the block's own error says why).
  const known = new Set(resolved.problems.map((p) => p.split(':')[0]));
  const problems = [...resolved.problems, ...portfolio.problems.filter((p) => !known.has(p.split(':')[0]))];
  if (!parsed.success) {
    const lost = new Set([...portfolio.broken].map((i) => `tenants[${i}]`));
    problems.push(...formatIssues(parsed.error).filter((p) => !known.has(p.split(':')[0]) && !lost.has(p.split(':')[0]!)));
  }
  // A portfolio being onboarded has its app (defaults) or its tenants.d/ (include) before its first tenant:
  // `ratchet tenants discover --write` needs exactly that config to run. Anything else without a tenant is a mistake.
  const onboarding = 'include' in raw || 'defaults' in raw;
  if (parsed.success && parsed.data.tenants.length === 0 && !onboarding) problems.push('tenants: add at least one tenant');
  if (problems.length > 0 || !parsed.success) throw new ConfigError(locate(problems), file);
  // Files the collectors read during a scan are checked now, for the commands that will scan (as for secrets);
  // each block once, so a shared certificate is one error, not one per tenant.
  if (opts.requireSecrets !== false) {
    const fileProblems = checkBlockFiles(portfolio.blocks);
    if (fileProblems.length > 0) throw new ConfigError(locate(fileProblems), file);
  }
  const warnings = [...included.warnings];
  if (parsed.data.tenants.length === 0) warnings.push('tenants: none yet — find the customers with `ratchet tenants discover --write tenants.d/`');
  for (const { path, values, plugin } of portfolio.blocks) {
    for (const field of plugin.secretFields) {
      const at = formatPath([...path, field]);
      if (values[field] !== undefined && !resolved.referenced.has(at)) {
        warnings.push(`${at}: holds a literal secret; prefer \${env:NAME} or \${file:PATH} so it stays out of the file`);
      }
    }
  }
  warnings.push(...psaConfigIssues(parsed.data).warnings);
  const psaPlugin = parsed.data.psa && opts.psa?.find((p) => p.id === parsed.data.psa!.provider);
  for (const field of psaPlugin?.secretFields ?? []) {
    const at = formatPath(['psa', field]);
    if (parsed.data.psa!.settings[field] !== undefined && !resolved.referenced.has(at)) {
      warnings.push(`${at}: holds a literal secret; prefer \${env:NAME} or \${file:PATH} so it stays out of the file`);
    }
  }
  const config = { ...parsed.data, accounts: portfolio.accounts };
  const origins = included.locations.map((loc, i) => ({ ...loc, ...portfolio.sharing[i]! }));
  return { config, warnings: locate(warnings), file, origins };
}

export function loadConfig(path: string, plugins: readonly CollectorPlugin[], env: NodeJS.ProcessEnv = process.env, opts: ParseOptions = {}): LoadedConfig {
  if (!existsSync(path)) {
    throw new ConfigError([`config file not found (pass --config PATH or set RATCHET_CONFIG; start from config/ratchet.example.yaml)`], path);
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'), { prettyErrors: true });
  } catch (e) {
    const msg = e instanceof YAMLParseError ? e.message.split('\n')[0] : (e as Error).message;
    throw new ConfigError([`not valid YAML: ${msg}`], path);
  }
  return parseConfig(raw, plugins, env, path, opts);
}
