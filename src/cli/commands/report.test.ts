/**
 * `ratchet report` end to end over a stored history: in process for the exit codes and messages, and once as a real
 * child process piping the PDF to stdout (what `ratchet report … > q4.pdf` does).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../app/io.js';
import { Command } from 'commander';
import { UsageError } from '../../app/errors.js';
import { main } from '../main.js';
import { registerReport } from './report.js';
import { selfCommand } from '../self.js';
import { MFA_AFTER, PATCH_AFTER, seedHistory, TENANT, TITLES } from '../../report/client/test-support.js';
import { pdfToText } from '../../../test/helpers/pdf.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
let dir: string;
let configPath: string;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: { RATCHET_LOG_LEVEL: 'silent' }, now: () => NOW };
  const code = await main(['node', 'ratchet', '--config', configPath, ...args], io);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ratchet-report-cli-'));
  const h = await seedHistory(dir);
  await h.store.close();
  configPath = join(dir, 'ratchet.yaml');
  writeFileSync(
    configPath,
    stringify({
      storage: { url: `sqlite:${h.dbPath}` },
      tenants: [
        { id: TENANT.id, name: TENANT.name, m365: { tenantId: '11111111-1111-4111-8111-111111111111', clientId: '22222222-2222-4222-8222-222222222222', clientSecret: 'not-used' } },
        { id: 'empty', name: 'Empty Co', m365: { tenantId: '33333333-3333-4333-8333-333333333333', clientId: '22222222-2222-4222-8222-222222222222', clientSecret: 'not-used' } },
      ],
    }),
  );
});

describe('ratchet report', () => {
  it('writes the HTML report to stdout with the stored facts', async () => {
    const r = await run(['report', '--tenant', TENANT.id, '--period', '2026-Q4', '--format', 'html']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/);
    expect(r.stdout).toContain(TENANT.name);
    expect(r.stdout).toContain(PATCH_AFTER);
    expect(r.stdout).toContain(MFA_AFTER);
    expect(r.stdout).toContain('Ratchet');
  });

  it('writes the PDF to --out, branded', async () => {
    const out = join(dir, 'q4.pdf');
    writeFileSync(join(dir, 'brand.yaml'), 'name: Northwind IT Services\n');
    const r = await run(['report', '--tenant', TENANT.id, '--from', '2026-10-01', '--to', '2026-12-31', '--format', 'pdf', '--out', out, '--brand', join(dir, 'brand.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote the PDF report of contoso for 2026-10-01 to 2026-12-31 to ${out}`);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('usage mistakes exit 2 with a message naming the option', async () => {
    const bad = await run(['report', '--tenant', TENANT.id, '--period', 'last-quarter', '--format', 'html']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--period last-quarter: expected a quarter \(2026-Q4\)/);
    const half = await run(['report', '--tenant', TENANT.id, '--from', '2026-10-01', '--format', 'html']);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/--to is missing/);
    const unknown = await run(['report', '--tenant', 'nobody', '--period', '2026-Q4', '--format', 'html']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--tenant nobody: no such tenant/);
    const brand = await run(['report', '--tenant', TENANT.id, '--period', '2026-Q4', '--format', 'html', '--brand', join(dir, 'nope.yaml')]);
    expect(brand.code).toBe(2);
    expect(brand.stderr).toMatch(/nope\.yaml: invalid config:\n {2}file not found/);
    expect((await run(['report', '--tenant', TENANT.id, '--format', 'docx'])).code).toBe(2);
  });

  it('a tenant with no scan in the period is a clear message and exit 1', async () => {
    const r = await run(['report', '--tenant', 'empty', '--period', '2026-Q4', '--format', 'html']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tenant empty has no completed scan between 2026-10-01 and 2026-12-31 \(Q4 2026\); run `ratchet scan --tenant empty`/);
  });

  it('refuses to write a PDF to a terminal, before opening anything', async () => {
    const program = new Command().exitOverride();
    let opened = false;
    let written = 0;
    const deps = {
      io: { out: () => undefined, err: () => undefined, env: {}, now: () => NOW },
      withContext: async <T>(): Promise<T> => {
        opened = true;
        throw new Error('not reached');
      },
      exit: () => undefined,
    };
    registerReport(program, deps, { isTTY: true, write: () => (written += 1) });
    const run = program.parseAsync(['node', 'ratchet', 'report', '--tenant', TENANT.id, '--period', '2026-Q4']);
    await expect(run).rejects.toThrow(UsageError);
    await expect(program.parseAsync(['node', 'ratchet', 'report', '--tenant', TENANT.id])).rejects.toThrow(/stdout is a terminal: pass --out report\.pdf/);
    expect(opened).toBe(false);
    expect(written).toBe(0);
  });

  it('pipes the PDF to stdout from a real process', async () => {
    const self = selfCommand();
    const child = spawn(self.command, [...self.args, '--config', configPath, 'report', '--tenant', TENANT.id, '--period', '2026-Q4', '--format', 'pdf'], {
      env: { ...process.env, RATCHET_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const pdf = Buffer.concat(chunks);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(dir, 'piped.pdf');
    writeFileSync(file, pdf);
    const text = pdfToText(file).replace(/\s+/g, ' ');
    expect(text).toContain(TENANT.name);
    expect(text).toContain(TITLES['patch-compliance']);
  }, 60_000);
});
