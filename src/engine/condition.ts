import type { Condition } from './rule-schema.js';

export type Measured = number | boolean | string;

export function holds(c: Condition, v: Measured): boolean {
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.in !== undefined && !c.in.includes(v)) return false;
  if (c.gte !== undefined && !(typeof v === 'number' && v >= c.gte)) return false;
  if (c.gt !== undefined && !(typeof v === 'number' && v > c.gt)) return false;
  if (c.lte !== undefined && !(typeof v === 'number' && v <= c.lte)) return false;
  if (c.lt !== undefined && !(typeof v === 'number' && v < c.lt)) return false;
  return true;
}

/** The single numeric bound of a condition, if it has exactly one (needed for partial credit and dead bands). */
export function singleBound(c: Condition): { op: 'gte' | 'gt' | 'lte' | 'lt'; value: number } | null {
  const ops = (['gte', 'gt', 'lte', 'lt'] as const).filter((op) => c[op] !== undefined);
  if (ops.length !== 1 || c.eq !== undefined || c.in !== undefined) return null;
  const op = ops[0]!;
  return { op, value: c[op]! };
}

/** The condition widened by a dead band (used while a rule was passing: leave only past T − band). */
export function widen(c: Condition, band: number): Condition {
  const out: Condition = { ...c };
  if (c.gte !== undefined) out.gte = c.gte - band;
  if (c.gt !== undefined) out.gt = c.gt - band;
  if (c.lte !== undefined) out.lte = c.lte + band;
  if (c.lt !== undefined) out.lt = c.lt + band;
  return out;
}

function fmt(v: number | boolean | string, unit?: string): string {
  const u = unit ? (unit === '%' ? ' %' : ` ${unit}`) : '';
  return `${typeof v === 'number' ? formatNumber(v) : String(v)}${u}`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 10) / 10);
}

export function describe(c: Condition, unit?: string): string {
  const parts: string[] = [];
  if (c.gte !== undefined) parts.push(`≥ ${fmt(c.gte, unit)}`);
  if (c.gt !== undefined) parts.push(`> ${fmt(c.gt, unit)}`);
  if (c.lte !== undefined) parts.push(`≤ ${fmt(c.lte, unit)}`);
  if (c.lt !== undefined) parts.push(`< ${fmt(c.lt, unit)}`);
  if (c.eq !== undefined) parts.push(`${fmt(c.eq, unit)}`);
  if (c.in !== undefined) parts.push(`one of ${c.in.map((v) => fmt(v)).join(', ')}`);
  return parts.join(' and ');
}

/** Type problems of a condition against its measure's catalog type (rule and framework files alike). */
export function checkCondition(where: string, c: Condition | undefined, type: string, problems: string[]): void {
  if (!c) return;
  const numericOps = (['gte', 'gt', 'lte', 'lt'] as const).filter((op) => c[op] !== undefined);
  if (type !== 'number' && numericOps.length > 0) {
    problems.push(`${where}: operator ${numericOps.join(', ')} needs a numeric measure, but this measure is ${type}`);
  }
  const literals = [...(c.eq !== undefined ? [c.eq] : []), ...(c.in ?? [])];
  for (const v of literals) {
    if (typeof v !== type) problems.push(`${where}: value ${JSON.stringify(v)} is not a ${type} like the measure`);
  }
}
