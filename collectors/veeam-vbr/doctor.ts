/**
 * `ratchet doctor` for VBR: can we sign in, and can each endpoint be read? One cheap `limit=1` call per endpoint;
 * every failed check names what is missing (the role to grant, the caFile to set, the x-api-version to use).
 */
import type { CollectorContext, DoctorCheck } from '../../src/collector-kit/plugin.js';
import type { VendorHttp } from '../../src/http/client.js';
import { resolveConfig, type VeeamVbrConfig, type VeeamVbrConfigInput } from './config.js';
import { LEAST_ROLE, PATHS, TOKEN_PATH, restorePointsPath } from './endpoints.js';
import { classify, describeTokenFailure } from './errors.js';
import { createVbrHttp } from './http.js';
import { backupObjectsPage, jobStatesPage, repositoriesPage, restorePointsPage } from './schema.js';

export async function doctorVeeamVbr(
  input: VeeamVbrConfig | VeeamVbrConfigInput,
  ctx: CollectorContext,
  options: { backoffBaseMs?: number } = {},
): Promise<DoctorCheck[]> {
  const config = resolveConfig(input);
  const probes = [
    { path: PATHS.jobStates, schema: jobStatesPage },
    { path: PATHS.backupObjects, schema: backupObjectsPage },
    { path: restorePointsPath(config.apiVersion), schema: restorePointsPage },
    // backup.immutability: repository settings (claim ViewRepositories). Scale-out repositories are read only when a
    // job targets one, under the same role, so one probe covers both.
    { path: PATHS.repositories, schema: repositoriesPage },
  ];
  const label = (path: string) => `GET ${path}`;
  const notChecked = (detail: string): DoctorCheck[] => probes.map((p) => ({ check: label(p.path), ok: false, detail: `not checked: ${detail}` }));

  let http: VendorHttp;
  try {
    http = createVbrHttp(config, { logger: ctx.logger, signal: ctx.signal, rateGate: ctx.rateGate, backoffBaseMs: options.backoffBaseMs });
  } catch (err) {
    return [{ check: 'caFile', ok: false, detail: `cannot read ${config.caFile ?? ''}: ${(err as Error).message}` }, ...notChecked('no HTTP client')];
  }

  const checks: DoctorCheck[] = [];
  try {
    await http.tokenSource!.getToken();
    checks.push({
      check: `token (POST ${TOKEN_PATH})`,
      ok: true,
      detail: `signed in to ${config.baseUrl} as ${config.username} with x-api-version ${config.apiVersion}`,
    });
  } catch (err) {
    checks.push({ check: `token (POST ${TOKEN_PATH})`, ok: false, detail: describeTokenFailure(err, config, ctx.tenantId).line });
    return [...checks, ...notChecked('no token')];
  }

  const results = await Promise.all(
    probes.map(async (p): Promise<DoctorCheck> => {
      try {
        const page = await http.get(p.path, p.schema, { params: { limit: 1 } });
        return { check: label(p.path), ok: true, detail: `readable (${page.pagination.total} in total; ${LEAST_ROLE} or higher granted)` };
      } catch (err) {
        return { check: label(p.path), ok: false, detail: classify(err, p.path).reason };
      }
    }),
  );
  return [...checks, ...results];
}
