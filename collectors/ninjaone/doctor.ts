/**
 * `ratchet doctor` for NinjaOne: the token, then one cheap call per endpoint the collector reads, naming what is
 * missing (scope, grant type, region, organisation, policy names). Optional settings that merely leave a field
 * unknown are reported as ok with a note, so they do not fail the run.
 */
import type { CollectorContext, DoctorCheck } from '../../src/collector-kit/plugin.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { resolveConfig } from './collect.js';
import { NINJAONE_REGIONS, type NinjaOneConfig } from './config.js';
import { ENDPOINTS, TOKEN_PATH, orgFilter } from './endpoints.js';
import { toFailure, tokenFailureMessage } from './failures.js';
import { createNinjaHttp, type TransportOptions } from './http.js';
import { resolveAutomatedPolicies } from './policies.js';
import { activitiesPage, alertList, antivirusPage, devicesPage, organization, osPatchPage, policyList } from './schema.js';

export async function doctorNinjaOne(raw: NinjaOneConfig, ctx: CollectorContext, options: TransportOptions = {}): Promise<DoctorCheck[]> {
  const config = resolveConfig(raw);
  const checks: DoctorCheck[] = [];
  const host = new URL(config.baseUrl).host.toLowerCase();
  const region = NINJAONE_REGIONS[host];
  checks.push({
    check: 'instance',
    ok: true,
    detail: region ? `${host} (${region} region)` : `${host} is not a known NinjaOne region (app, us2, eu, oc, ca, fed .ninjarmm.com); fine for a proxy or the simulator`,
  });

  const http = createNinjaHttp(config, ctx, options);
  try {
    await http.tokenSource!.getToken();
    checks.push({ check: `token POST ${TOKEN_PATH}`, ok: true, detail: 'client credentials accepted (scope monitoring)' });
  } catch (err) {
    checks.push({ check: `token POST ${TOKEN_PATH}`, ok: false, detail: tokenFailureMessage(err, ctx.tenantId, config.baseUrl) });
    return checks;
  }

  const errOpts = { maxRetries: config.maxRetries, timeoutMs: config.timeoutMs };
  const df = orgFilter(config.organizationId);
  const probe = async (check: string, run: () => Promise<string>): Promise<DoctorCheck> => {
    try {
      return { check, ok: true, detail: await run() };
    } catch (err) {
      return { check, ok: false, detail: toFailure(err, errOpts).reason };
    }
  };

  const probes: Array<Promise<DoctorCheck>> = [];
  if (config.organizationId !== undefined) {
    const id = config.organizationId;
    probes.push(
      (async (): Promise<DoctorCheck> => {
        const check = `GET ${ENDPOINTS.organization}`;
        try {
          const org = await http.get(`/v2/organization/${id}`, organization);
          return { check, ok: true, detail: `organization ${id}${org.name ? ` (${org.name})` : ''} found` };
        } catch (err) {
          if (err instanceof VendorHttpError && err.kind === 'not_found') {
            return { check, ok: false, detail: `organization ${id} does not exist on ${host}: check organizationId (Organizations list → the id in the URL)` };
          }
          return { check, ok: false, detail: toFailure(err, errOpts).reason };
        }
      })(),
    );
  }
  probes.push(
    probe(`GET ${ENDPOINTS.devices}`, async () => {
      const rows = await http.get(ENDPOINTS.devices, devicesPage, { params: { pageSize: 1, df } });
      return rows.length > 0 ? 'readable' : `readable, but no devices${df ? ` match ${df}` : ''}`;
    }),
    probe(`GET ${ENDPOINTS.osPatches}`, async () => {
      await http.get(ENDPOINTS.osPatches, osPatchPage, { params: { pageSize: 10, df } });
      return 'readable';
    }),
    probe(`GET ${ENDPOINTS.antivirus}`, async () => {
      await http.get(ENDPOINTS.antivirus, antivirusPage, { params: { pageSize: 10, df } });
      return 'readable';
    }),
    probe(`GET ${ENDPOINTS.alerts}`, async () => {
      const rows = await http.get(ENDPOINTS.alerts, alertList, { params: { df } });
      return `readable (${rows.length} active alert${rows.length === 1 ? '' : 's'})`;
    }),
    probe(`GET ${ENDPOINTS.activities}`, async () => {
      // The source of alert severity and acknowledgement times; without it those rmm.alerts fields are unknown.
      await http.get(ENDPOINTS.activities, activitiesPage, { params: { class: 'DEVICE', type: 'CONDITION', pageSize: 10, df } });
      return 'readable (alert severity and acknowledgement times)';
    }),
  );
  if (config.automatedPatchPolicies) {
    const configured = config.automatedPatchPolicies;
    probes.push(
      (async (): Promise<DoctorCheck> => {
        const check = `GET ${ENDPOINTS.policies}`;
        try {
          const policies = await http.get(ENDPOINTS.policies, policyList);
          const resolved = resolveAutomatedPolicies(policies, configured);
          if (resolved.unresolved.length > 0) {
            return { check, ok: false, detail: `automatedPatchPolicies entries matching no policy: ${resolved.unresolved.join(', ')} (use a policy id or its exact name)` };
          }
          return { check, ok: true, detail: `automated patch policies: ${resolved.names.join(', ')}` };
        } catch (err) {
          return { check, ok: false, detail: toFailure(err, errOpts).reason };
        }
      })(),
    );
  } else {
    checks.push({
      check: 'automatedPatchPolicies',
      ok: true,
      detail: 'not set: rmm.patches.automated will be null (unknown); list the policies that auto-install OS patches to measure it',
    });
  }
  checks.push(...(await Promise.all(probes)));
  return checks;
}
