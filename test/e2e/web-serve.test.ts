/**
 * `ratchet serve` with the web layer wired in (in-process runServe, real socket, tenant simulator): probes stay
 * public, everything else needs a token; "scan now" goes through the real scheduler; an attestation recorded over
 * the API shows up as evidence in the next scan.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openContext } from '../../src/app/context.js';
import type { Report } from '../../src/domain/report.js';
import { runServe } from '../../src/server/serve.js';
import { e2e } from './harness.js';
import { captureLog, runCli } from '../../bench/lib/cli.js';
import { poll } from '../helpers/poll.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('ratchet serve with the web layer', () => {
  it('serves probes without authentication and the API only with a token; scan now and attestations work end to end', async () => {
    const h = await e2e(
      // With an RMM, so the config has two secrets: one read from the environment, one from a file.
      { tenants: [{ id: 'small', name: 'Small Co', profile: 'level2', seed: 'small', knobs: { users: 30, devices: 10 }, rmm: 'ninjaone', estate: { endpoints: 10 } }] },
      { schedule: { cron: '0 2 * * *', timezone: 'UTC', concurrency: 1, jitterSeconds: 0 } },
    );
    const token = async (role: string) => {
      const r = await runCli(['--config', h.configPath, 'token', 'create', '--role', role, '--name', `${role}@serve`], h.env);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const configText = readFileSync(h.configPath, 'utf8');
    expect(configText).toContain('${env:');
    expect(configText).toContain('${file:');
    const tech = await token('technician');
    const viewer = await token('viewer');

    // As in production: the default log level (info), secrets resolved from ${env:…} and ${file:…} references; the
    // log lines are captured (not printed) and read at the end.
    const log = captureLog();
    const io = { out: () => undefined, err: () => undefined, env: { ...process.env, ...h.env }, logDestination: log.destination };
    const ctx = await openContext({ config: h.configPath }, io);
    let stop!: (reason: string) => void;
    const until = new Promise<string>((r) => (stop = r));
    let listening!: (url: string) => void;
    const bound = new Promise<string>((r) => (listening = r));
    const done = runServe(ctx, io, { port: 0, host: '127.0.0.1', until, onListening: listening, graceSeconds: 5 });
    stops.push(async () => {
      stop('test done');
      await done;
    });
    const url = await Promise.race([bound, done.then((c) => Promise.reject(new Error(`serve exited ${c}`)))]);
    const api = (path: string, init: RequestInit & { as?: string } = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(init.as ? { authorization: `Bearer ${init.as}` } : {}), ...(init.headers as Record<string, string>) } });

    expect((await api('/healthz')).status).not.toBe(401);
    expect((await api('/metrics')).status).toBe(200);
    const anon = await api('/api/v1/tenants');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(anon.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await api('/', { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login?next=%2F');
    expect((await api('/login')).status).toBe(200);

    // The catch-up scan of a never-scanned tenant lands in the store.
    const first = await poll(async () => {
      const t = (await (await api('/api/v1/tenants/small', { as: viewer })).json()) as { summary: { lastScan: { id: string } | null } };
      return t.summary.lastScan ?? undefined;
    }, 'the catch-up scan');

    const recorded = await api('/api/v1/tenants/small/attestations', {
      as: tech,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'dr_plan', note: 'DR plan v2', attestedAt: new Date().toISOString().slice(0, 10), expiresAt: '2099-01-01' }),
    });
    // 2099 is more than three years away: refused, naming the field.
    expect(recorded.status).toBe(400);
    expect(((await recorded.json()) as { error: { message: string } }).error.message).toMatch(/expiresAt/);
    const ok = await api('/api/v1/tenants/small/attestations', {
      as: tech,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'dr_plan', note: 'DR plan v2', attestedAt: new Date(Date.now() - 86_400_000).toISOString(), expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString() }),
    });
    expect(ok.status).toBe(201);

    expect((await api('/api/v1/tenants/small/scan', { as: viewer, method: 'POST' })).status).toBe(403);
    const queued = await api('/api/v1/tenants/small/scan', { as: tech, method: 'POST' });
    expect(queued.status).toBe(202);
    const second = await poll(async () => {
      const t = (await (await api('/api/v1/tenants/small', { as: viewer })).json()) as { summary: { lastScan: { id: string } | null } };
      return t.summary.lastScan && t.summary.lastScan.id !== first.id ? t.summary.lastScan : undefined;
    }, 'the requested scan');
    const report = (await (await api(`/api/v1/tenants/small/scans/${second.id}`, { as: viewer })).json()) as Report;
    expect(report.evidence.find((e) => e.key === 'attestation.dr_plan')).toMatchObject({ status: 'ok', value: { attested: true, author: 'technician@serve' } });
    // The DR plan gates recovery's level 3 (rules/default.yaml `dr-plan`).
    expect(report.findings.find((f) => f.ruleId === 'dr-plan')?.outcome).toBe('pass');

    const audit = (await (await api('/api/v1/audit?tenant=small', { as: viewer })).json()) as { entries: Array<{ action: string }> };
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['scan.requested', 'attestation.recorded']));

    // One info line per request (method, route, status, time), and no secret or token anywhere in the log.
    const lines = log.lines();
    expect(lines.find((l) => l.msg === 'request' && l.route === '/api/v1/tenants/:id/scan' && l.status === 202)).toMatchObject({ level: 30, method: 'POST', ms: expect.any(Number) });
    expect(lines.filter((l) => l.msg === 'request' && l.status === 401).length).toBeGreaterThan(0);
    expect(lines.filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
    expect(h.secrets.length).toBeGreaterThan(0);
    for (const s of [...h.secrets, tech, viewer]) expect(log.text()).not.toContain(s);
  });
});
