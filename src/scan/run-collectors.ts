/**
 * Runs a tenant's collectors concurrently, each under its own timeout, and turns every way a collector can fail
 * (throw, hang, auth failure) into evidence with status `error` — a collector can never crash the scan.
 */
import type { Logger } from 'pino';
import { collectorAbortController, type CollectorPlugin, type CollectorResult } from '../collector-kit/plugin.js';
import type { RateGate } from '../collector-kit/rate-gate.js';
import type { TenantConfig } from '../config/schema.js';
import type { Evidence } from '../domain/evidence.js';
import type { CollectorRun } from '../domain/report.js';
import { scrub } from '../log/secrets.js';

export interface CollectorOutcome {
  run: CollectorRun;
  evidence: Evidence[];
}

export function pluginFor(plugins: readonly CollectorPlugin[], section: 'm365' | 'rmm' | 'backup', cfg: unknown): CollectorPlugin | undefined {
  const provider = (cfg as { provider?: string } | undefined)?.provider;
  return plugins.find((p) => p.section === section && (section === 'm365' || p.provider === provider));
}

function failedEvidence(plugin: CollectorPlugin, reason: string, now: Date, only?: readonly string[]): Evidence[] {
  return plugin.provides
    .filter((k) => !only || only.includes(k))
    .map((key) => ({
      key,
      status: 'error' as const,
      value: null,
      reason,
      reasonCode: 'collector_error' as const,
      source: { collector: plugin.id, endpoints: [], requests: 0 },
      collectedAt: now.toISOString(),
    }));
}

export async function runCollector(
  plugin: CollectorPlugin,
  config: unknown,
  opts: { tenantId: string; logger: Logger; now: () => Date; timeoutMs: number; signal?: AbortSignal; only?: readonly string[]; rateGate?: RateGate },
): Promise<CollectorOutcome> {
  const started = Date.now();
  const controller = collectorAbortController();
  const onOuterAbort = () => controller.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`timed out after ${Math.round(opts.timeoutMs / 1000)} s`);
      controller.abort(err);
      reject(err);
    }, opts.timeoutMs);
  });
  const logger = opts.logger.child({ collector: plugin.id });
  try {
    const result: CollectorResult = await Promise.race([
      plugin.collect(config, { tenantId: opts.tenantId, logger, signal: controller.signal, now: opts.now, only: opts.only, rateGate: opts.rateGate }),
      timeout,
    ]);
    if (result.error) logger.warn({ status: result.status }, `collector ${plugin.id}: ${scrub(result.error)}`);
    return {
      run: { id: plugin.id, status: result.status, durationMs: Date.now() - started, requests: result.requests, error: result.error ? scrub(result.error) : null },
      evidence: result.evidence,
    };
  } catch (e) {
    const message = scrub(`${plugin.id} collector failed for tenant ${opts.tenantId}: ${(e as Error).message}`);
    logger.error({ err: e }, message);
    return {
      run: { id: plugin.id, status: 'error', durationMs: Date.now() - started, requests: 0, error: message },
      evidence: failedEvidence(plugin, message, opts.now(), opts.only),
    };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

export async function runCollectors(
  tenant: TenantConfig,
  plugins: readonly CollectorPlugin[],
  opts: { logger: Logger; now: () => Date; timeoutMs: number; signal?: AbortSignal; only?: readonly string[]; rateGate?: RateGate },
): Promise<{ runs: CollectorRun[]; evidence: Evidence[]; sources: string[] }> {
  const sections = (['m365', 'rmm', 'backup'] as const).filter((s) => tenant[s] !== undefined);
  const jobs = sections.map(async (section): Promise<CollectorOutcome> => {
    const plugin = pluginFor(plugins, section, tenant[section]);
    if (!plugin) {
      // Config validation makes this unreachable; kept so a bad plugin registry degrades to a skipped collector.
      return { run: { id: section, status: 'skipped', durationMs: 0, requests: 0, error: `no collector for ${section}` }, evidence: [] };
    }
    return runCollector(plugin, tenant[section], { ...opts, tenantId: tenant.id });
  });
  const outcomes = await Promise.all(jobs);
  return { runs: outcomes.map((o) => o.run), evidence: outcomes.flatMap((o) => o.evidence), sources: [...sections] };
}
