/**
 * Portfolio config (DESIGN §12): `defaults.m365` (the MSP's one multi-tenant app and its credential) and `accounts`
 * (one NinjaOne instance, one Datto account, one Acronis partner account for every client) are expanded into each
 * tenant's section before validation, so a collector still receives one complete section and knows nothing of
 * sharing. The shared blocks are validated once, by the plugin that owns them, and errors name the block's own
 * path: one bad account is one error, not three hundred.
 *
 * Isolation is a config rule here: a tenant drawing on a shared account must say which client it is
 * (`PortfolioSupport.tenantFields`), or it would read every client's devices.
 */
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import { configFiles } from '../collector-kit/plugin.js';
import { formatIssues, formatPath } from '../validation/zod-errors.js';
import { ConfigError } from './errors.js';

type Section = 'm365' | 'rmm' | 'backup';
type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A syntactically valid tenant id, to validate a defaults block that must not carry one. */
const PLACEHOLDER_TENANT = '00000000-0000-0000-0000-000000000000';

/** What a tenant's sections draw on, parallel to `tenants`. */
export interface TenantSharing {
  /** The shared accounts its sections use, by section. */
  accounts: Partial<Record<'rmm' | 'backup', string>>;
  /** Whether its m365 section takes app and credential from defaults.m365. */
  m365FromDefaults: boolean;
}

/** A config block whose fields a plugin reads: a tenant's own section, an account, or defaults.m365. */
export interface ConfigBlock {
  path: PropertyKey[];
  values: Obj;
  plugin: CollectorPlugin;
}

export interface PortfolioExpansion {
  /** The config with every tenant section expanded (account and defaults fields merged in). */
  value: Obj;
  problems: string[];
  sharing: TenantSharing[];
  /** Validated accounts: the owning plugin's parsed section plus id (and provider). */
  accounts: Array<{ id: string; provider: string } & Obj>;
  /** Each field-bearing block once (shared blocks at their own path), for secret warnings and file checks. */
  blocks: ConfigBlock[];
  /** Tenants whose section was left out because the shared block it names is invalid (its error is reported). */
  broken: Set<number>;
}

function pluginOf(plugins: readonly CollectorPlugin[], section: Section, provider?: unknown): CollectorPlugin | undefined {
  return plugins.find((p) => p.section === section && (section === 'm365' || p.provider === provider));
}

/** Keys a tenant may not set on top of a shared credential without naming its own identity. */
function credentialKeys(plugin: CollectorPlugin): Set<string> {
  return new Set([...plugin.secretFields, ...Object.keys(configFiles.get(plugin.configSchema) ?? {})]);
}

/** Validates a shared block with its plugin; issues about the per-tenant fields (not set here by design) are dropped. */
function validateShared(plugin: CollectorPlugin, values: Obj, path: PropertyKey[], rename: Record<string, string> = {}): { ok: boolean; parsed?: Obj; problems: string[] } {
  const tenantFields = new Set(plugin.portfolio?.tenantFields ?? []);
  const res = plugin.configSchema.safeParse(values);
  if (res.success) return { ok: true, parsed: res.data as Obj, problems: [] };
  const issues = res.error.issues
    .filter((i) => !(tenantFields.has(String(i.path[0])) && !(String(i.path[0]) in rename)))
    .map((i) => ({ ...i, path: i.path.map((p, k) => (k === 0 && String(p) in rename ? rename[String(p)]! : p)) }));
  if (issues.length === 0) return { ok: true, parsed: undefined, problems: [] };
  return { ok: false, problems: formatIssues({ issues } as never, path) };
}

function validateAccounts(raw: unknown, plugins: readonly CollectorPlugin[], problems: string[]) {
  const accounts = new Map<string, { index: number; raw: Obj; plugin: CollectorPlugin; ok: boolean; parsed?: Obj }>();
  if (raw === undefined) return accounts;
  if (!Array.isArray(raw)) {
    problems.push('accounts: must be a list of shared vendor accounts ({ id, provider, baseUrl, credentials })');
    return accounts;
  }
  raw.forEach((a, index) => {
    const at = ['accounts', index];
    if (!isObject(a)) {
      problems.push(`${formatPath(at)}: must be a mapping with id, provider and the provider's credentials`);
      return;
    }
    const { id, ...values } = a;
    if (typeof id !== 'string' || !ACCOUNT_ID.test(id)) {
      problems.push(`${formatPath([...at, 'id'])}: give the account an id of lower-case letters, digits and dashes (e.g. ninja-msp); tenants name it in account:`);
      return;
    }
    if (accounts.has(id)) {
      problems.push(`${formatPath([...at, 'id'])}: duplicate account id "${id}" (also accounts[${accounts.get(id)!.index}])`);
      return;
    }
    const shareable = plugins.filter((p) => p.section !== 'm365' && p.provider && p.portfolio);
    const plugin = shareable.find((p) => p.provider === values.provider);
    if (!plugin) {
      problems.push(
        `${formatPath([...at, 'provider'])}: ${JSON.stringify(values.provider)} cannot be a shared account (shared: ${shareable.map((p) => p.provider).join(', ') || 'none'}; other products keep their credentials in each tenant's section)`,
      );
      return;
    }
    const misplaced = plugin.portfolio!.tenantFields.filter((f) => f in values);
    for (const f of misplaced) {
      problems.push(`${formatPath([...at, f])}: says which client, so it belongs in each tenant's ${plugin.section} section (with account: ${id}), not in the shared account`);
    }
    const checked = validateShared(plugin, values, at);
    problems.push(...checked.problems);
    accounts.set(id, { index, raw: values, plugin, ok: checked.ok && misplaced.length === 0, parsed: checked.parsed });
  });
  return accounts;
}

function validateDefaults(raw: unknown, plugins: readonly CollectorPlugin[], problems: string[]): { block?: Obj; ok: boolean; plugin?: CollectorPlugin } {
  if (raw === undefined) return { ok: true };
  if (!isObject(raw)) {
    problems.push('defaults: must be a mapping, e.g. { m365: { clientId, clientSecret, partnerTenantId } }');
    return { ok: false };
  }
  const unknown = Object.keys(raw).filter((k) => k !== 'm365');
  for (const k of unknown) problems.push(`defaults.${k}: unknown key (defaults holds m365: the MSP's app; vendor credentials go in accounts)`);
  const m365 = raw.m365;
  if (m365 === undefined) return { ok: unknown.length === 0 };
  const plugin = pluginOf(plugins, 'm365');
  if (!isObject(m365) || !plugin) {
    problems.push('defaults.m365: must be a mapping with the app (clientId), its credential and partnerTenantId');
    return { ok: false };
  }
  const { partnerTenantId, ...shared } = m365;
  const misplaced = (plugin.portfolio?.tenantFields ?? []).filter((f) => f in shared);
  for (const f of misplaced) {
    problems.push(`defaults.m365.${f}: a customer's directory belongs in each tenant's m365 section; the MSP's own tenant is partnerTenantId`);
  }
  // Validated as the partner tenant's section: the partner id is checked like any tenant id.
  const tenantField = plugin.portfolio?.tenantFields[0] ?? 'tenantId';
  const probe = { ...shared, [tenantField]: partnerTenantId ?? PLACEHOLDER_TENANT };
  const checked = validateShared(plugin, probe, ['defaults', 'm365'], partnerTenantId === undefined ? {} : { [tenantField]: 'partnerTenantId' });
  problems.push(...checked.problems);
  return { block: shared, ok: checked.ok && misplaced.length === 0, plugin };
}

/**
 * Expands `defaults` and `accounts` into the tenants of an already reference-resolved config. Problems name the
 * path in the main config (the caller maps `tenants[N]` of included files to their file).
 */
export function expandPortfolio(raw: Obj, plugins: readonly CollectorPlugin[]): PortfolioExpansion {
  const problems: string[] = [];
  const accounts = validateAccounts(raw.accounts, plugins, problems);
  const defaults = validateDefaults(raw.defaults, plugins, problems);
  const tenantsRaw = Array.isArray(raw.tenants) ? (raw.tenants as unknown[]) : [];
  const sharing: TenantSharing[] = [];
  const blocks: ConfigBlock[] = [];
  const broken = new Set<number>();
  for (const [id, a] of accounts) blocks.push({ path: ['accounts', a.index], values: { id, ...a.raw }, plugin: a.plugin });
  if (defaults.block && defaults.plugin) blocks.push({ path: ['defaults', 'm365'], values: defaults.block, plugin: defaults.plugin });

  const tenants = tenantsRaw.map((t, index) => {
    const share: TenantSharing = { accounts: {}, m365FromDefaults: false };
    sharing.push(share);
    if (!isObject(t)) return t;
    const out: Obj = { ...t };
    for (const section of ['rmm', 'backup'] as const) {
      const own = t[section];
      if (!isObject(own)) continue;
      const at = ['tenants', index, section];
      if (!('account' in own)) {
        const plugin = pluginOf(plugins, section, own.provider);
        if (plugin) blocks.push({ path: at, values: own, plugin });
        continue;
      }
      const { account: accountId, provider, ...fields } = own;
      const account = typeof accountId === 'string' ? accounts.get(accountId) : undefined;
      const fail = (field: string, message: string) => {
        problems.push(`${formatPath([...at, field])}: ${message}`);
        delete out[section];
        broken.add(index);
      };
      if (!account) {
        const known = [...accounts.keys()];
        fail('account', `no account ${JSON.stringify(accountId)} in accounts (${known.length ? `known: ${known.join(', ')}` : 'none defined: add it under accounts'})`);
        continue;
      }
      share.accounts[section] = accountId as string;
      const { plugin } = account;
      if (plugin.section !== section) {
        fail('account', `"${accountId}" is a ${plugin.provider} account, which is a ${plugin.section} source, not ${section}`);
        continue;
      }
      if (provider !== undefined && provider !== plugin.provider) {
        fail('provider', `account "${accountId}" is ${plugin.provider}; drop provider here (the account sets it)`);
        continue;
      }
      if (!account.ok) {
        // Its own error is already reported at accounts[k]; repeating it per tenant would bury it.
        delete out[section];
        broken.add(index);
        continue;
      }
      // Settings of the account itself stay on the account even where it leaves them to defaults: two tenants giving
      // one account two budgets or two URLs would make it two accounts in all but name.
      const accountLevel = new Set(['baseUrl', 'rateLimit', ...credentialKeys(plugin)]);
      const clash = Object.keys(fields).filter((k) => k in account.raw || accountLevel.has(k));
      if (clash.length > 0) {
        fail(clash[0]!, `${clash[0]! in account.raw ? 'already set by' : 'a setting of'} account "${accountId}" (every tenant on a shared account uses its settings): set it on the account, or give this tenant its own ${section} credentials instead of account:`);
        continue;
      }
      const tenantFields = plugin.portfolio!.tenantFields;
      if (tenantFields.length > 0 && !tenantFields.some((f) => fields[f] !== undefined)) {
        const field = plugin.portfolio!.scopeField ?? tenantFields[0]!;
        fail(field, `required with the shared account "${accountId}": it sees every client's data, so say which client is this tenant (find it with: ratchet tenants map --account ${accountId})`);
        continue;
      }
      blocks.push({ path: at, values: fields, plugin });
      out[section] = { ...account.raw, ...fields };
    }
    const m365 = t.m365;
    if (isObject(m365)) {
      const at = ['tenants', index, 'm365'];
      const plugin = pluginOf(plugins, 'm365');
      const ownIdentity = 'clientId' in m365;
      if (!plugin || ownIdentity || !defaults.block) {
        if (plugin) blocks.push({ path: at, values: m365, plugin });
      } else if (!defaults.ok) {
        delete out.m365;
        broken.add(index);
      } else {
        const credential = [...credentialKeys(plugin)].filter((k) => k in m365);
        if (credential.length > 0) {
          problems.push(`${formatPath([...at, credential[0]!])}: a tenant with its own credential names its own clientId too (an in-house app); otherwise leave the credential to defaults.m365`);
          delete out.m365;
          broken.add(index);
        } else {
          share.m365FromDefaults = true;
          blocks.push({ path: at, values: m365, plugin });
          out.m365 = { ...defaults.block, ...m365 };
        }
      }
    }
    return out;
  });

  const parsedAccounts = [...accounts.entries()]
    .filter(([, a]) => a.ok && a.parsed)
    .sort((x, y) => x[1].index - y[1].index)
    .map(([id, a]) => ({ id, ...a.parsed!, provider: a.plugin.provider! }));
  return { value: { ...raw, tenants }, problems, sharing, accounts: parsedAccounts, blocks, broken };
}

/**
 * The partner tenant's m365 section: defaults.m365 validated with the MSP's own tenant (partnerTenantId) as its
 * tenant id, for `ratchet tenants discover`. Throws ConfigError naming what is missing.
 */
export function partnerSection(config: { defaults?: { m365?: Obj } }, plugins: readonly CollectorPlugin[]): { plugin: CollectorPlugin; section: unknown } {
  const plugin = pluginOf(plugins, 'm365');
  const block = config.defaults?.m365;
  if (!plugin || !block) {
    throw new ConfigError(['defaults.m365: required to discover customers (the MSP\'s multi-tenant app: clientId, its credential and partnerTenantId)']);
  }
  const { partnerTenantId, ...shared } = block;
  if (typeof partnerTenantId !== 'string' || partnerTenantId.trim() === '') {
    throw new ConfigError(['defaults.m365.partnerTenantId: required to discover customers (the MSP\'s own tenant id, where its GDAP relationships live)']);
  }
  const tenantField = plugin.portfolio?.tenantFields[0] ?? 'tenantId';
  const res = plugin.configSchema.safeParse({ ...shared, [tenantField]: partnerTenantId });
  if (!res.success) throw new ConfigError(formatIssues(res.error, ['defaults', 'm365']));
  return { plugin, section: res.data };
}
