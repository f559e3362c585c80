/**
 * Reads, resolves and validates the config file. Failures are ConfigError: one line per problem, each naming the
 * path and the fix; the CLI prints them and exits 2 — never a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import { checkConfigFiles } from './files.js';
import { resolveReferences } from './secrets.js';
import { tenantSections } from './sections.js';
import { buildConfigSchema, type RatchetConfig } from './schema.js';
import { formatIssues, formatPath } from '../validation/zod-errors.js';

export class ConfigError extends Error {
  constructor(public readonly problems: string[], public readonly file?: string) {
    super(`${file ? `${file}: ` : ''}invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: RatchetConfig;
  /** Non-fatal findings, e.g. a literal secret in the file. */
  warnings: string[];
  file?: string;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.RATCHET_CONFIG || 'config/ratchet.yaml';
}

export interface ParseOptions {
  /**
   * Missing secrets, and files named by the config (caFile, certificatePath) that are missing or unusable, are an
   * error only for commands that contact vendors (scan, doctor, serve).
   */
  requireSecrets?: boolean;
}

export function parseConfig(
  raw: unknown,
  plugins: readonly CollectorPlugin[],
  env: NodeJS.ProcessEnv = process.env,
  file?: string,
  opts: ParseOptions = {},
): LoadedConfig {
  const resolved = resolveReferences(raw, env, opts.requireSecrets === false);
  const schema = buildConfigSchema(plugins);
  const parsed = schema.safeParse(resolved.value);
  const problems = [...resolved.problems];
  if (!parsed.success) {
    // A missing env var already produced a clearer message for that path than zod's "Required".
    const known = new Set(resolved.problems.map((p) => p.split(':')[0]));
    problems.push(...formatIssues(parsed.error).filter((p) => !known.has(p.split(':')[0])));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems, file);
  // Files the collectors read during a scan are checked now, for the commands that will scan (as for secrets).
  if (opts.requireSecrets !== false) {
    const fileProblems = checkConfigFiles(parsed.data.tenants, plugins);
    if (fileProblems.length > 0) throw new ConfigError(fileProblems, file);
  }
  const warnings: string[] = [];
  for (const { index, section, values, plugin } of tenantSections(parsed.data.tenants, plugins)) {
    for (const field of plugin?.secretFields ?? []) {
      const path = formatPath(['tenants', index, section, field]);
      if (values[field] !== undefined && !resolved.referenced.has(path)) {
        warnings.push(`${path}: holds a literal secret; prefer \${env:NAME} or \${file:PATH} so it stays out of the file`);
      }
    }
  }
  return { config: parsed.data, warnings, file };
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
  if (raw === null || typeof raw !== 'object') throw new ConfigError(['the file is empty or not a YAML mapping'], path);
  return parseConfig(raw, plugins, env, path, opts);
}
