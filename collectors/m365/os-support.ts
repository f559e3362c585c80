/**
 * Which operating-system builds their vendor still services, as DATA (rules/data/os-support.yaml): updating support
 * is editing that file, never this code. `judgeOs` answers for one Intune managedDevice (operatingSystem +
 * osVersion) on the scan date: supported, unsupported (past end of servicing), or unknown (a build the file does
 * not list — reported apart, never counted as unsupported).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../../src/paths.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const editionFamily = z.enum(['homePro', 'enterpriseEducation', 'ltsc']);
export type EditionFamily = z.output<typeof editionFamily>;

export const osSupportSchema = z.strictObject({
  schemaVersion: z.literal(1),
  windows: z.strictObject({
    assumeEdition: editionFamily,
    builds: z
      .array(
        z.strictObject({
          build: z.number().int().positive(),
          name: z.string().min(1),
          endOfServicing: z.partialRecord(editionFamily, day),
        }),
      )
      .min(1),
  }),
  macOS: z.strictObject({
    majors: z.array(z.strictObject({ major: z.number().int().positive(), name: z.string().min(1), endOfServicing: day.optional() })).min(1),
  }),
  iOS: z.strictObject({ minimumMajor: z.number().int().positive() }),
  android: z.strictObject({ minimumMajor: z.number().int().positive() }),
});
export type OsSupport = z.output<typeof osSupportSchema>;

export function defaultOsSupportPath(): string {
  return join(packageRoot(), 'rules', 'data', 'os-support.yaml');
}

/** Parse and validate the data file; a broken file is an error naming the field, never a silent "all supported". */
export function parseOsSupport(text: string, source = 'os-support.yaml'): OsSupport {
  const parsed = osSupportSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

let cached: { path: string; data: OsSupport } | null = null;

/** The shipped data file (read once per process). */
export function loadOsSupport(path = defaultOsSupportPath()): OsSupport {
  if (cached?.path === path) return cached.data;
  const data = parseOsSupport(readFileSync(path, 'utf8'), path);
  cached = { path, data };
  return data;
}

export type OsVerdict = 'supported' | 'unsupported' | 'unknown';

/** Last day of servicing (inclusive) → is the scan date past it? */
function pastEnd(endDay: string, now: Date): boolean {
  return now.getTime() >= Date.parse(`${endDay}T00:00:00Z`) + 24 * 60 * 60 * 1000;
}

function major(version: string): number | null {
  const m = /^(\d+)/.exec(version.trim());
  return m ? Number(m[1]) : null;
}

/** One device's OS on the scan date. Platforms the file does not cover (Linux, Windows Mobile…) are unknown. */
export function judgeOs(data: OsSupport, operatingSystem: string | null | undefined, osVersion: string | null | undefined, now: Date): OsVerdict {
  const os = (operatingSystem ?? '').toLowerCase();
  const version = osVersion ?? '';
  if (os === 'windows') {
    // 10.0.<build>.<revision>
    const build = Number(/^10\.0\.(\d+)/.exec(version)?.[1] ?? Number.NaN);
    const row = data.windows.builds.find((b) => b.build === build);
    const end = row?.endOfServicing[data.windows.assumeEdition];
    if (!row || !end) return 'unknown';
    return pastEnd(end, now) ? 'unsupported' : 'supported';
  }
  if (os === 'macos') {
    const m = major(version);
    const row = data.macOS.majors.find((r) => r.major === m);
    if (!row) return 'unknown';
    return row.endOfServicing && pastEnd(row.endOfServicing, now) ? 'unsupported' : 'supported';
  }
  if (os === 'ios' || os === 'ipados') {
    const m = major(version);
    if (m === null) return 'unknown';
    return m >= data.iOS.minimumMajor ? 'supported' : 'unsupported';
  }
  if (os === 'android') {
    const m = major(version);
    if (m === null) return 'unknown';
    return m >= data.android.minimumMajor ? 'supported' : 'unsupported';
  }
  return 'unknown';
}
