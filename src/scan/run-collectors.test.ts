import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NOW } from '../../bench/lib/evidence-samples.js';
import type { CollectorPlugin } from '../collector-kit/plugin.js';
import { createLogger } from '../log/logger.js';
import { runCollector } from './run-collectors.js';
import { scanStatus } from './run-scan.js';

const logger = createLogger({ level: 'silent' });
const base: Omit<CollectorPlugin<unknown>, 'collect'> = {
  id: 'fake',
  section: 'rmm',
  provider: 'fake',
  configSchema: z.unknown(),
  secretFields: [],
  provides: ['rmm.devices', 'rmm.patches'],
  doctor: async () => [],
};
const opts = { tenantId: 't1', logger, now: () => NOW, timeoutMs: 200 };

describe('runCollector', () => {
  it('turns a throwing collector into error evidence for every key it provides', async () => {
    const plugin = { ...base, collect: async () => { throw new Error('boom'); } };
    const out = await runCollector(plugin, {}, opts);
    expect(out.run.status).toBe('error');
    expect(out.run.error).toMatch(/fake collector failed for tenant t1: boom/);
    expect(out.evidence.map((e) => [e.key, e.status])).toEqual([['rmm.devices', 'error'], ['rmm.patches', 'error']]);
  });

  it('aborts a hanging collector at its timeout and signals it to stop', async () => {
    let aborted = false;
    const plugin = {
      ...base,
      collect: (_c: unknown, ctx: { signal: AbortSignal }) =>
        new Promise<never>(() => ctx.signal.addEventListener('abort', () => { aborted = true; })),
    };
    const out = await runCollector(plugin as unknown as CollectorPlugin, {}, opts);
    expect(out.run.status).toBe('error');
    expect(out.run.error).toMatch(/timed out after 0 s|timed out/);
    expect(aborted).toBe(true);
    expect(out.evidence.every((e) => e.status === 'error')).toBe(true);
  });

  it('passes a collector result through with its timing', async () => {
    const plugin = { ...base, collect: async () => ({ evidence: [], requests: 3, status: 'ok' as const, error: null }) };
    const out = await runCollector(plugin, {}, opts);
    expect(out.run).toMatchObject({ id: 'fake', status: 'ok', requests: 3, error: null });
  });
});

describe('scanStatus', () => {
  const run = (status: 'ok' | 'partial' | 'error' | 'skipped') => ({ id: 'x', status, durationMs: 0, requests: 0, error: null });
  it('is complete only when every collector is ok, failed when none produced anything', () => {
    expect(scanStatus([run('ok'), run('ok')])).toBe('complete');
    expect(scanStatus([run('ok'), run('partial')])).toBe('partial');
    expect(scanStatus([run('ok'), run('error')])).toBe('partial');
    expect(scanStatus([run('error'), run('error')])).toBe('failed');
    expect(scanStatus([])).toBe('failed');
  });
});
