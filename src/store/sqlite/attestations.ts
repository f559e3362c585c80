/** Technicians' attestations in SQLite; recording or revoking one writes its audit entry in the same transaction. */
import type Database from 'better-sqlite3';
import type { Attestation } from '../../domain/attestation.js';
import type { AuditEntry } from '../../domain/audit.js';
import { attestationFromRow, attestationRow, type AttestationRow } from '../rows.js';
import type { AttestationStore } from '../store.js';
import { stageAuditEntry } from './audit.js';
import type { SqliteConnection } from './connection.js';

const prepareAttestationStatements = (db: Database.Database) => ({
  insertAttestation: db.prepare(`INSERT INTO attestations (id, tenant_id, kind, note, file_ref, author, attested_at, expires_at,
        created_at, revoked_at, revoked_by)
      VALUES (@id, @tenant_id, @kind, @note, @file_ref, @author, @attested_at, @expires_at, @created_at, @revoked_at, @revoked_by)`),
  getAttestation: db.prepare<[string], AttestationRow>('SELECT * FROM attestations WHERE id = ?'),
  attestations: db.prepare<[{ tenant: string; limit: number }], AttestationRow>(
    `SELECT * FROM attestations WHERE tenant_id = @tenant ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
  ),
  allAttestations: db.prepare<[], AttestationRow>('SELECT * FROM attestations ORDER BY created_at, rowid'),
  revokeAttestation: db.prepare<[{ id: string; at: string; by: string }]>(
    'UPDATE attestations SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL',
  ),
});

export class SqliteAttestationStore implements AttestationStore {
  constructor(private readonly connection: SqliteConnection) {}

  private statements() {
    return this.connection.statements(prepareAttestationStatements);
  }

  async saveAttestation(a: Attestation, audit?: AuditEntry): Promise<void> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    this.connection.write(() => {
      statements.insertAttestation.run(attestationRow(a));
      audited();
    });
  }

  async getAttestation(id: string): Promise<Attestation | null> {
    const row = this.statements().getAttestation.get(id);
    return row ? attestationFromRow(row) : null;
  }

  async attestations(tenantId: string, opts: { limit?: number } = {}): Promise<Attestation[]> {
    return this.statements().attestations.all({ tenant: tenantId, limit: opts.limit ?? -1 }).map(attestationFromRow);
  }

  async allAttestations(): Promise<Attestation[]> {
    return this.statements().allAttestations.all().map(attestationFromRow);
  }

  async revokeAttestation(id: string, at: string, by: string, audit?: AuditEntry): Promise<Attestation | null> {
    const statements = this.statements();
    const audited = stageAuditEntry(this.connection, audit);
    return this.connection.write(() => {
      const changed = statements.revokeAttestation.run({ id, at, by }).changes;
      if (changed > 0) audited();
      const row = statements.getAttestation.get(id);
      return row ? attestationFromRow(row) : null;
    });
  }
}
