/**
 * The `psa:` block (DESIGN §13): the MSP's one PSA, and `tenants[].psa.company`, each tenant's company there. The
 * core owns the frame (provider, what opens a ticket); the provider's plugin (psa/<id>/, injected like collectors)
 * owns the rest of the block, so adding a PSA never touches this file. Validated at load like any section: a
 * misspelt key, a missing board or a plain-http URL names its path.
 */
import { z } from 'zod';
import type { PsaProvider } from '../collector-kit/psa-provider.js';

/** Confirmed episode kinds that open a ticket: a regression, and evidence that stopped being available. */
export const TICKET_ON = ['regression', 'lost_visibility'] as const;
export type TicketOn = (typeof TICKET_ON)[number];

export interface PsaConfig {
  provider: string;
  ticketOn: TicketOn[];
  /** The provider's own fields, as its schema returned them (defaults applied). */
  settings: Record<string, unknown>;
}

const ticketOnSchema = z
  .array(z.enum(TICKET_ON, { error: `use ${TICKET_ON.join(' or ')}` }))
  .min(1, 'name at least one of regression, lost_visibility (or remove psa: to open no tickets)')
  .default(['regression']);

/** `tenants[].psa`: the company (ConnectWise company id, Autotask companyID, HaloPSA client_id). */
export const TenantPsaSchema = z.strictObject({
  company: z.number({ error: 'must be the numeric company / client id in the PSA' }).int().positive(),
});

/**
 * The `psa:` block. With `providers` (every command that may open tickets passes the registry), the provider's
 * fields are checked by its schema; without, only the frame is (the provider's fields pass through unchecked).
 */
export function psaSchema(providers: readonly PsaProvider[] | undefined) {
  return z.unknown().transform((val, ctx): PsaConfig => {
    if (!val || typeof val !== 'object' || Array.isArray(val)) {
      ctx.addIssue({ code: 'custom', message: 'must be a mapping with a provider (connectwise, autotask, halopsa)' });
      return z.NEVER;
    }
    const { provider, ticketOn, ...settings } = val as Record<string, unknown>;
    const on = ticketOnSchema.safeParse(ticketOn);
    if (!on.success) for (const issue of on.error.issues) ctx.addIssue({ ...issue, path: ['ticketOn', ...issue.path] } as never);
    if (typeof provider !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: `name the PSA${providers ? `: ${providers.map((p) => p.id).join(', ')}` : ''}` });
      return z.NEVER;
    }
    if (!providers) return { provider, ticketOn: on.data ?? ['regression'], settings };
    const plugin = providers.find((p) => p.id === provider);
    if (!plugin) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: `unknown PSA ${JSON.stringify(provider)} (available: ${providers.map((p) => p.id).join(', ')})` });
      return z.NEVER;
    }
    const res = plugin.configSchema.safeParse(settings);
    if (!res.success) {
      for (const issue of res.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
      return z.NEVER;
    }
    if (!on.success) return z.NEVER;
    return { provider, ticketOn: on.data, settings: res.data as Record<string, unknown> };
  });
}

/** Tenants that name a PSA company without a `psa:` block, and the warning for tenants a PSA cannot ticket. */
export function psaConfigIssues(config: { psa?: PsaConfig | undefined; tenants: ReadonlyArray<{ id: string; psa?: { company: number } | undefined }> }): {
  problems: Array<{ path: PropertyKey[]; message: string }>;
  warnings: string[];
} {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  const warnings: string[] = [];
  config.tenants.forEach((t, i) => {
    if (t.psa && !config.psa) problems.push({ path: ['tenants', i, 'psa'], message: 'names a PSA company, but there is no psa: block (add one, or remove this)' });
  });
  if (config.psa) {
    const unmapped = config.tenants.filter((t) => !t.psa).map((t) => t.id);
    if (unmapped.length > 0) {
      const shown = unmapped.slice(0, 5).join(', ') + (unmapped.length > 5 ? ` and ${unmapped.length - 5} more` : '');
      warnings.push(`psa: ${unmapped.length} tenant(s) have no psa.company, so their regressions open no ticket: ${shown}`);
    }
  }
  return { problems, warnings };
}
