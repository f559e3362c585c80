/** One line of the audit log: who did what to which tenant. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  tenantId: string | null;
  target: string | null;
  detail: Record<string, unknown>;
}
