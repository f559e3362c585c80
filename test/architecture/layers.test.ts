/**
 * The shape of the house (issue 11, DESIGN §2), checked on every CI run so it cannot quietly sprawl again:
 * - no import cycle between modules of src/ and collectors/ (type-only imports count: they couple as much);
 * - no upward import between rooms: a room imports only rooms on a lower floor (or its own);
 * - the core knows no vendor: only the composition root reaches the collector registry;
 * - the benchmark imports no test helper.
 * Imports are read with the TypeScript compiler's own pre-processor, so comments and strings never count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Floors, bottom first. A room is a folder of src/ (or a top-level file of src/), one collector folder, or the
 * collector registry. A room may import rooms on a lower floor and itself; rooms on the same floor are independent.
 */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['src/domain'],
  ['src/paths.ts', 'src/log', 'src/metrics.ts', 'src/validation', 'src/runtime'],
  ['src/evidence'],
  ['src/engine', 'src/http'],
  ['src/collector-kit', 'src/frameworks', 'src/foresight'],
  ['src/config', 'src/simulator'],
  ['collectors/*', 'psa/*'],
  ['src/store', 'src/regression', 'src/portfolio'],
  ['src/alerts', 'src/report'],
  ['src/psa'],
  ['src/scan', 'src/scheduler'],
  ['src/web', 'src/queue', 'src/report-delivery', 'collectors/index.ts', 'psa/index.ts'],
  ['src/app'],
  ['src/server'],
  ['src/cli'],
];

/** The room a repo-relative file belongs to. */
function roomOf(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length === 2 ? file : `src/${parts[1]}`;
  if (parts[0] === 'collectors') return parts.length === 2 ? file : 'collectors/*';
  if (parts[0] === 'psa') return parts.length === 2 ? file : 'psa/*';
  return null;
}

/** For collector folders the floor is shared, but each folder is its own room (they must not import each other). */
function roomId(file: string): string | null {
  const parts = file.split('/');
  if ((parts[0] === 'collectors' || parts[0] === 'psa') && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return roomOf(file);
}

function floorOf(room: string): number {
  const i = FLOORS.findIndex((f) => f.includes(room));
  return i;
}

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = `${dir}/${d.name}`;
    if (d.isDirectory()) return d.name === 'node_modules' || d.name === 'fixtures' ? [] : walk(p);
    return /\.(ts|mts)$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Repo-relative .ts targets of a file's relative imports (static, dynamic and type-only). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const isTest = (f: string) => /\.test\.ts$/.test(f) || /(^|\/)test-support\.ts$/.test(f) || f.includes('/testing/');
const production = [...walk('src'), ...walk('collectors'), ...walk('psa')].filter((f) => !isTest(f));
const graph = new Map(production.map((f) => [f, importsOf(f).filter((t) => t.startsWith('src/') || t.startsWith('collectors/') || t.startsWith('psa/'))]));

/** Strongly connected components with more than one file (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('architecture', () => {
  it('reads a real graph (the check is not vacuous)', () => {
    expect(production.length).toBeGreaterThan(150);
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
  });

  it('every room of src/ and collectors/ has a floor', () => {
    const unplaced = [...new Set(production.map(roomOf))].filter((r): r is string => r !== null && floorOf(r) < 0);
    expect(unplaced).toEqual([]);
  });

  it('has no import cycle between modules', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no cycle between rooms', () => {
    const rooms = new Map<string, Set<string>>();
    for (const [f, targets] of graph) {
      const from = roomId(f)!;
      const set = rooms.get(from) ?? new Set<string>();
      for (const t of targets) if (roomId(t) && roomId(t) !== from) set.add(roomId(t)!);
      rooms.set(from, set);
    }
    expect(cycles(new Map([...rooms].map(([k, v]) => [k, [...v]])))).toEqual([]);
  });

  it('imports only downward between rooms', () => {
    const upward: string[] = [];
    for (const [f, targets] of graph) {
      for (const t of targets) {
        const [a, b] = [roomOf(f)!, roomOf(t)];
        if (!b || roomId(f) === roomId(t)) continue;
        if (floorOf(b) >= floorOf(a)) upward.push(`${f} -> ${t} (${a} floor ${floorOf(a)}, ${b} floor ${floorOf(b)})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the core knows no vendor: only the composition root (src/app) imports collectors/', () => {
    const reaching = [...graph].flatMap(([f, targets]) =>
      f.startsWith('src/') && !f.startsWith('src/app/') ? targets.filter((t) => t.startsWith('collectors/') || t.startsWith('psa/')).map((t) => `${f} -> ${t}`) : [],
    );
    expect(reaching).toEqual([]);
  });

  it('the benchmark imports no test helper', () => {
    const bench = walk('bench').flatMap((f) => importsOf(f).filter((t) => t.startsWith('test/')).map((t) => `${f} -> ${t}`));
    expect(bench).toEqual([]);
  });
});
