/**
 * `include:` (DESIGN §12): tenants kept one file per client (`tenants.d/*.yaml`, what `ratchet tenants discover
 * --write` produces), globbed relative to the main config's directory and appended to its `tenants`. Each tenant
 * remembers the file and the YAML path it came from, so errors name that file and `tenants map --write` edits it.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { formatPath } from '../validation/zod-errors.js';

/** Where a tenant's mapping lives: the file and the YAML path inside it. */
export interface TenantLocation {
  /** Absolute path of the YAML file holding the tenant; undefined for a config given as an object (tests). */
  file?: string;
  /** YAML path of the tenant's mapping in that file: `['tenants', 3]`, or `[]` for a file holding one tenant. */
  path: (string | number)[];
}

export interface IncludeResult {
  /** The config with the included tenants appended to `tenants` and `include` removed. */
  raw: Record<string, unknown>;
  /** Parallel to the combined `tenants`. */
  locations: TenantLocation[];
  problems: string[];
  warnings: string[];
}

function readYaml(file: string): { value?: unknown; problem?: string } {
  try {
    return { value: parseYaml(readFileSync(file, 'utf8'), { prettyErrors: true }) };
  } catch (e) {
    if (e instanceof YAMLParseError) return { problem: `not valid YAML: ${e.message.split('\n')[0]}` };
    return { problem: `cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'}; let the user running ratchet read it)` };
  }
}

/**
 * Expands `include` of a parsed main config. `file` is the main config's path (its directory anchors the
 * patterns; without one, the working directory does).
 */
export function expandIncludes(main: Record<string, unknown>, file?: string, cwd: string = process.cwd()): IncludeResult {
  const { include, ...rest } = main;
  const mainFile = file ? resolve(cwd, file) : undefined;
  const own = Array.isArray(main.tenants) ? (main.tenants as unknown[]) : [];
  const locations: TenantLocation[] = own.map((_, i) => ({ file: mainFile, path: ['tenants', i] }));
  const problems: string[] = [];
  const warnings: string[] = [];
  if (include === undefined) return { raw: main, locations, problems, warnings };
  if (!Array.isArray(include) || include.some((p) => typeof p !== 'string' || p.trim() === '')) {
    return { raw: main, locations, problems: ['include: must be a list of file patterns, e.g. [ "tenants.d/*.yaml" ]'], warnings };
  }
  const base = mainFile ? dirname(mainFile) : cwd;
  const shown = (f: string) => relative(cwd, f) || f;
  const tenants = [...own];
  const seen = new Set<string>();
  (include as string[]).forEach((pattern, p) => {
    // Sorted, so the merged order (and every message naming an index) is the same on every machine.
    const files = globSync(pattern, { cwd: base, absolute: true, onlyFiles: true, dot: false }).sort();
    if (files.length === 0) {
      warnings.push(`${formatPath(['include', p])}: "${pattern}" matches no file (relative to ${isAbsolute(pattern) ? '/' : base})`);
    }
    for (const f of files) {
      if (f === mainFile || seen.has(f)) continue;
      seen.add(f);
      const { value, problem } = readYaml(f);
      if (problem) {
        problems.push(`${shown(f)}: ${problem}`);
        continue;
      }
      if (value === null || value === undefined) continue; // an empty file: a client being set up
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${shown(f)}: must hold one tenant (a mapping with id, name, …) or a mapping with a tenants list`);
        continue;
      }
      const doc = value as Record<string, unknown>;
      if ('tenants' in doc) {
        const others = Object.keys(doc).filter((k) => k !== 'tenants');
        if (others.length > 0) {
          problems.push(`${shown(f)}: only tenants may be set in an included file (found ${others.join(', ')}: move them to the main config)`);
        }
        if (!Array.isArray(doc.tenants)) {
          problems.push(`${shown(f)}: tenants must be a list`);
          continue;
        }
        (doc.tenants as unknown[]).forEach((t, i) => {
          tenants.push(t);
          locations.push({ file: f, path: ['tenants', i] });
        });
      } else {
        tenants.push(doc);
        locations.push({ file: f, path: [] });
      }
    }
  });
  problems.push(...duplicateIds(tenants, locations, cwd));
  return { raw: { ...rest, tenants }, locations, problems, warnings };
}

/** Two tenants with one id, named by where each lives (an included file can clash with the main config). */
function duplicateIds(tenants: readonly unknown[], locations: readonly TenantLocation[], cwd: string): string[] {
  const where = (i: number) => {
    const loc = locations[i]!;
    const at = loc.path.length ? formatPath(loc.path) : 'its id';
    return loc.file ? `${relative(cwd, loc.file) || loc.file} (${at})` : formatPath(['tenants', i]);
  };
  const first = new Map<string, number>();
  const problems: string[] = [];
  tenants.forEach((t, i) => {
    const id = t && typeof t === 'object' ? (t as Record<string, unknown>).id : undefined;
    if (typeof id !== 'string') return;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, i);
    else if (locations[i]?.file !== locations[seen]?.file) problems.push(`${where(i)}: duplicate tenant id "${id}", also in ${where(seen)}: give each client one file and one id`);
  });
  return problems;
}

/**
 * Rewrites a problem line about `tenants[N]…` to name the file and the path inside it when tenant N came from an
 * included file (`tenants.d/contoso.yaml: rmm.organizationId: …`); other lines pass unchanged.
 */
export function locateProblem(line: string, locations: readonly TenantLocation[], mainFile: string | undefined, cwd: string = process.cwd()): string {
  const m = /^tenants\[(\d+)\]((?:[.[][^:]*)?): ([\s\S]*)$/.exec(line);
  if (!m) return line;
  const loc = locations[Number(m[1])];
  const main = mainFile ? resolve(cwd, mainFile) : undefined;
  if (!loc?.file || loc.file === main) return line;
  const prefix = formatPath(loc.path);
  const inner = loc.path.length === 0 ? m[2]!.replace(/^\./, '') : `${prefix}${m[2]}`;
  return `${relative(cwd, loc.file) || loc.file}: ${inner || '(the tenant)'}: ${m[3]}`;
}
