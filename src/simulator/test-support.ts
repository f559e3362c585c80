/**
 * Test helpers: real HTTPS requests to a running simulator, verifying its certificate against the generated CA
 * (certificate verification always on).
 */
import { forgetSharedTokens } from '../http/oauth.js';
import https from 'node:https';
import pino from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { collectorAbortController, type CollectorContext, type CollectorPlugin, type CollectorResult } from '../collector-kit/plugin.js';
import { startSimulator, type FaultConfig, type Simulator, type SimulatorOptions } from './index.js';
import type { VendorSimulator } from './vendor.js';
import type { Evidence } from '../domain/evidence.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

export function request(
  sim: Pick<Simulator, 'caPem'>,
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: string; timeoutMs?: number; agent?: https.Agent } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca: sim.caPem, headers: opts.headers, agent: opts.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }));
      res.on('error', reject);
    });
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    }
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/** A small fixed clock so generated timestamps are comparable across simulators. */
export const FIXED_NOW = new Date('2026-11-25T12:00:00Z');

/** A collector context for calling a plugin directly against the simulator, on the simulator's fixed clock. */
export function simulatorCollectorContext(tenantId: string): CollectorContext {
  return { tenantId, logger: pino({ level: 'silent' }), signal: collectorAbortController().signal, now: () => FIXED_NOW };
}

/** A tenant's vendor config section with its secrets filled in (what the core hands a collector after resolving). */
export function vendorSection(sim: Simulator, kind: 'rmm' | 'backup', tenantId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const v = sim.vendorSections(tenantId).find((s) => s.kind === kind)!;
  const out: Record<string, unknown> = { ...v.section, ...v.secrets, ...overrides };
  for (const [k, val] of Object.entries(out)) if (val === undefined) delete out[k];
  return out;
}

/** Evidence of one key in a collector result. */
export function evidenceOf(result: CollectorResult, key: string): Evidence {
  return result.evidence.find((e) => e.key === key)!;
}

/** key → value of every evidence item (to compare two runs). */
export function evidenceValues(result: CollectorResult): Record<string, unknown> {
  return Object.fromEntries(result.evidence.map((e) => [e.key, e.value]));
}

const RMM_KEYS = ['rmm.devices', 'rmm.patches', 'rmm.antivirus', 'rmm.alerts'] as const;

/**
 * RMM evidence equals `override` or else the estate truth on every contract field; fields the vendor lists as
 * unsupported must be null.
 */
export function expectRmmTruth(sim: Simulator, vendor: Pick<VendorSimulator, 'unsupported'>, result: CollectorResult, tenantId: string, override: Partial<Record<string, Record<string, unknown>>> = {}): void {
  const truth = { ...(sim.estate(tenantId)!.truth() as Record<string, Record<string, unknown>>), ...override };
  const unsupported = vendor.unsupported ?? {};
  for (const key of RMM_KEYS) {
    const e = evidenceOf(result, key);
    expect(e.status, `${tenantId} ${key}: ${e.reason}`).toBe('ok');
    const value = e.value as Record<string, unknown>;
    for (const [field, expected] of Object.entries(truth[key]!)) {
      const want = unsupported[key]?.includes(field) ? null : expected;
      if (key === 'rmm.alerts' && field === 'oldestOpenHours') {
        // truth() floors the age to whole hours; the collectors report it to one decimal.
        expect(Math.floor(value[field] as number), `${tenantId} ${key}.${field}`).toBe(want);
      } else {
        expect(value[field], `${tenantId} ${key}.${field}`).toEqual(want);
      }
    }
  }
}

/**
 * The `backup.protection` fields every backup product must report as the estate's truth has them (the part of the
 * value every backup collector shares); returns the value for the vendor's own assertions.
 */
export function expectBackupTruth(sim: Simulator, result: CollectorResult, tenantId: string): Record<string, unknown> {
  const estate = sim.estate(tenantId)!;
  const truth = estate.truth()['backup.protection'];
  expect(result.status).toBe('ok');
  const ev = evidenceOf(result, 'backup.protection');
  expect(ev.status).toBe('ok');
  const v = ev.value as Record<string, unknown>;
  expect(v.protected).toBe(truth.protected);
  expect(v.succeeded24h).toBe(truth.succeeded24h);
  expect(v.pct).toBe(truth.pct);
  expect(v.failingTotal).toBe(truth.failingTotal);
  expect(Math.abs((v.oldestSuccessHours as number) - truth.oldestSuccessHours!)).toBeLessThanOrEqual(0.1);
  // Names as the estate gives them (FQDN, short, NetBIOS-truncated): the input of the coverage join.
  expect([...(v.objectNames as string[])].sort()).toEqual(estate.backupObjects().map((o) => o.name).sort());
  expect(v.neverSucceeded).toBe(0);
  return v;
}

/**
 * A collector run under a 429 storm on one tenant gives the same evidence values as a clean run, only at a higher
 * request count, and the vendor's routes (`routePrefix`, e.g. `GET /<id>/`) really answered 429 at least
 * `minThrottled` times. `collect(storm)` runs the collector (a vendor may need more retries in the storm).
 */
export async function expectStormSurvived(
  sim: Simulator,
  tenantId: string,
  faults: FaultConfig,
  routePrefix: string,
  collect: (storm: boolean) => Promise<CollectorResult>,
  minThrottled = 1,
): Promise<void> {
  const clean = await collect(false);
  sim.setFaults(faults, tenantId);
  sim.resetStats();
  // Both runs fetch their own token (as two processes would), so their request counts compare like for like.
  forgetSharedTokens();
  try {
    const stormy = await collect(true);
    expect(stormy.status, stormy.error ?? '').toBe('ok');
    expect(evidenceValues(stormy)).toEqual(evidenceValues(clean));
    const throttled = Object.entries(sim.stats().byRoute).reduce((n, [route, byStatus]) => n + (route.startsWith(routePrefix) ? (byStatus['429'] ?? 0) : 0), 0);
    expect(throttled).toBeGreaterThanOrEqual(minThrottled);
    expect(stormy.requests).toBeGreaterThan(clean.requests);
  } finally {
    sim.setFaults({}, tenantId);
  }
}

/** A vendor's test file: one simulator for all its tests, and the vendor's real collector pointed at it. */
export interface VendorTestSuite {
  /** The running simulator (started before the file's tests, closed after). */
  readonly sim: Simulator;
  /** A tenant's config section for this vendor, secrets filled in, with `overrides` applied. */
  section(tenantId: string, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** The real plugin's collect() against the simulator, through its own config schema. */
  collect(tenantId: string, overrides?: Record<string, unknown>): Promise<CollectorResult>;
}

/**
 * Starts one simulator before the file's tests (on the fixed clock, with the suite's CA directory) and closes it
 * after; `options` names the vendors to serve and the tenants.
 */
export function vendorTestSuite<C>(plugin: CollectorPlugin<C>, kind: 'rmm' | 'backup', options: SimulatorOptions): VendorTestSuite {
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ certDir: process.env.RATCHET_TEST_CA_DIR, now: FIXED_NOW, ...options });
  });
  afterAll(async () => {
    await sim?.close();
  });
  const suite: VendorTestSuite = {
    get sim() {
      if (!sim) throw new Error('the simulator starts in beforeAll: use suite.sim inside tests');
      return sim;
    },
    section: (tenantId, overrides = {}) => vendorSection(suite.sim, kind, tenantId, overrides),
    collect: (tenantId, overrides = {}) => plugin.collect(plugin.configSchema.parse(suite.section(tenantId, overrides)), simulatorCollectorContext(tenantId)),
  };
  return suite;
}
