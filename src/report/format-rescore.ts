/** `ratchet rescore --all`: per tenant, how many stored scans were re-scored and the newest scan's level before → after. */
export interface RescoredTenant {
  tenantId: string;
  scans: number;
  before: number | null;
  after: number | null;
}

export function formatRescoreTable(done: readonly RescoredTenant[]): string {
  return ['tenant                scans  newest level before → after', ...done.map((d) => `${d.tenantId.padEnd(20)}  ${String(d.scans).padStart(5)}  ${d.before ?? '-'} → ${d.after ?? '-'}`)].join('\n') + '\n';
}
