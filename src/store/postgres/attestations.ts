/** Technicians' attestations in PostgreSQL; recording or revoking one writes its audit entry in the same transaction. */
import type { Attestation } from '../../domain/attestation.js';
import type { AuditEntry } from '../../domain/audit.js';
import { attestationFromRow, attestationRow, valuesOf, type AttestationRow } from '../rows.js';
import type { AttestationStore } from '../store.js';
import { stageAuditEntry } from './audit.js';
import { limitParam, type PostgresConnection, type Queryable } from './connection.js';

const ATTESTATION_COLUMN_NAMES = [
  'id', 'tenant_id', 'kind', 'note', 'file_ref', 'author', 'attested_at', 'expires_at', 'created_at', 'revoked_at', 'revoked_by',
] as const satisfies readonly (keyof AttestationRow)[];
const ATTESTATION_COLUMNS = ATTESTATION_COLUMN_NAMES.join(', ');

async function selectAttestation(db: Queryable, id: string): Promise<Attestation | null> {
  const { rows } = await db.query<AttestationRow>(`SELECT ${ATTESTATION_COLUMNS} FROM attestations WHERE id = $1`, [id]);
  return rows[0] ? attestationFromRow(rows[0]) : null;
}

export class PostgresAttestationStore implements AttestationStore {
  constructor(private readonly connection: PostgresConnection) {}

  async saveAttestation(a: Attestation, audit?: AuditEntry): Promise<void> {
    const audited = stageAuditEntry(audit);
    const params = valuesOf(attestationRow(a), ATTESTATION_COLUMN_NAMES);
    await this.connection.transaction(async (client) => {
      await client.query(
        `INSERT INTO attestations (${ATTESTATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        params,
      );
      await audited(client);
    });
  }

  async getAttestation(id: string): Promise<Attestation | null> {
    const { rows } = await this.connection.query<AttestationRow>(`SELECT ${ATTESTATION_COLUMNS} FROM attestations WHERE id = $1`, [id]);
    return rows[0] ? attestationFromRow(rows[0]) : null;
  }

  async attestations(tenantId: string, opts: { limit?: number } = {}): Promise<Attestation[]> {
    const { rows } = await this.connection.query<AttestationRow>(
      `SELECT ${ATTESTATION_COLUMNS} FROM attestations WHERE tenant_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2`,
      [tenantId, limitParam(opts.limit)],
    );
    return rows.map(attestationFromRow);
  }

  async allAttestations(): Promise<Attestation[]> {
    const { rows } = await this.connection.query<AttestationRow>(`SELECT ${ATTESTATION_COLUMNS} FROM attestations ORDER BY created_at, seq`);
    return rows.map(attestationFromRow);
  }

  async revokeAttestation(id: string, at: string, by: string, audit?: AuditEntry): Promise<Attestation | null> {
    const audited = stageAuditEntry(audit);
    return this.connection.transaction(async (client) => {
      const changed = await client.query(
        'UPDATE attestations SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL',
        [id, at, by],
      );
      if ((changed.rowCount ?? 0) > 0) await audited(client);
      return selectAttestation(client, id);
    });
  }
}
