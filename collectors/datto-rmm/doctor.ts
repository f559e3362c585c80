/**
 * `ratchet doctor` for Datto RMM: can we get a token, and can each listing the collector walks be read? One page of
 * one item per listing (and per configured site), plus the account's current read budget. Every failed check says
 * what is missing: the credentials, API access, the security level's site visibility or permission — or that the
 * IP is temporarily blocked, which no permission change would fix.
 */
import type { CollectorContext, DoctorCheck } from '../../src/collector-kit/plugin.js';
import { BlockProbe, targetsFor } from './collect.js';
import { siteUidsOf, type DattoRmmConfig } from './config.js';
import { PACING, PATHS, TOKEN_PATH, type Resource } from './endpoints.js';
import { classify, describeTokenError, maskKey } from './errors.js';
import { createDattoClient, type ClientOptions } from './http.js';
import { alertsPage, devicesPage, requestRate, type PageDetails } from './schema.js';

const label = (path: string) => `GET ${path}`;

/**
 * How many items a one-item page says the listing holds. `pageDetails.totalCount` when Datto sends it; otherwise
 * (open-alert pages have been seen without it on a live account) only what the page shows: "at least 1" while a
 * next page exists, never the one item of the probe page passed off as the total.
 */
export function countOf(details: PageDetails, onPage: number): { count: number; exact: boolean; text: string } {
  if (typeof details.totalCount === 'number') return { count: details.totalCount, exact: true, text: String(details.totalCount) };
  const more = details.nextPageUrl !== null && details.nextPageUrl.trim() !== '';
  return more ? { count: onPage, exact: false, text: `at least ${onPage + 1}` } : { count: onPage, exact: true, text: String(onPage) };
}

export async function doctorDattoRmm(config: DattoRmmConfig, ctx: CollectorContext, options: ClientOptions = {}): Promise<DoctorCheck[]> {
  const client = createDattoClient(config, ctx, options);
  const sites = siteUidsOf(config);
  const probes: Array<{ resource: Resource; path: string; siteUid?: string }> = [
    ...targetsFor('devices', sites).map((t) => ({ resource: 'devices' as const, ...t })),
    ...targetsFor('alerts', sites).map((t) => ({ resource: 'alerts' as const, ...t })),
  ];
  const checks: DoctorCheck[] = [];

  try {
    await client.authenticate();
    checks.push({ check: 'token', ok: true, detail: `token issued by ${config.baseUrl}${TOKEN_PATH} for API key ${maskKey(config.apiKey)}` });
  } catch (err) {
    checks.push({ check: 'token', ok: false, detail: describeTokenError(err, ctx.tenantId, config.baseUrl, config.apiKey) });
    for (const p of probes) checks.push({ check: label(p.path), ok: false, detail: 'not checked: no token' });
    return checks;
  }

  const blockProbe = new BlockProbe(client);
  const results = await Promise.all(
    probes.map(async (p): Promise<DoctorCheck> => {
      try {
        if (p.resource === 'devices') {
          const page = await client.get(`${p.path}?max=1`, devicesPage);
          const n = countOf(page.pageDetails, page.devices.length);
          const site = p.siteUid ? ` in site ${page.devices[0]?.siteName ? `"${page.devices[0].siteName}" ` : ''}(${p.siteUid})` : ' in the account';
          const warn = n.count === 0 && n.exact ? ' — none at all: check that the security level\'s Device Visibility includes the site' : '';
          return { check: label(p.path), ok: true, detail: `readable: ${n.text} device(s)${site}${warn}` };
        }
        const page = await client.get(`${p.path}?max=1`, alertsPage);
        return { check: label(p.path), ok: true, detail: `readable: ${countOf(page.pageDetails, page.alerts.length).text} open alert(s)` };
      } catch (err) {
        const failure = await classify(err, {
          resource: p.resource,
          path: p.path,
          pagesRead: 0,
          probeRefused: blockProbe.refused,
          siteUid: p.siteUid,
          timeoutMs: config.timeoutMs,
        });
        return { check: label(p.path), ok: false, detail: failure.reason };
      }
    }),
  );
  checks.push(...results);

  try {
    const rate = await client.get(PATHS.requestRate, requestRate);
    const used = rate.accountCount ?? null;
    const limit = rate.accountRateLimit ?? null;
    const window = rate.slidingTimeWindowSizeSeconds ?? 60;
    const busy = used !== null && limit !== null && limit - used < PACING.limit * 0.2;
    checks.push({
      check: label(PATHS.requestRate),
      ok: true,
      detail:
        `the account used ${used ?? '?'} of ${limit ?? '?'} reads in the last ${window} s; this collector paces itself to ${PACING.limit} per ${PACING.intervalMs / 1000} s` +
        (busy ? ' — other integrations are using most of the budget, so scans may be throttled (429) or the IP blocked (403)' : ''),
    });
  } catch (err) {
    checks.push({ check: label(PATHS.requestRate), ok: false, detail: `the read budget could not be checked: ${(err as Error).message}` });
  }
  return checks;
}
