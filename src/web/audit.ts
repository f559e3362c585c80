/** Audit entries (issue: "every change is in an audit log"): built here so every writer records the same shape. */
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../domain/audit.js';

export type AuditAction =
  | 'attestation.recorded'
  | 'attestation.revoked'
  | 'episode.acknowledged'
  | 'scan.requested'
  | 'token.created'
  | 'token.revoked'
  | 'login'
  | 'login.failed'
  | 'logout';

export function auditEntry(
  at: Date,
  actor: string,
  action: AuditAction,
  tenantId: string | null,
  target: string | null,
  detail: Record<string, unknown> = {},
): AuditEntry {
  return { id: randomUUID(), at: at.toISOString(), actor, action, tenantId, target, detail };
}
