/**
 * `attestation.<kind>` evidence (DESIGN §7): governance facts a technician recorded, turned into evidence at scan
 * time so rules read them like any other source. Per kind, the newest valid (not revoked, not expired) attestation
 * is `ok`; when every recorded one has expired the evidence is `unavailable` with reasonCode `stale` ("expired on
 * …"); with none recorded (or all revoked) it is `unavailable` / `not_configured`. Either way its findings are
 * unknown, never fail. Notes stay in the attestation list: evidence carries dates, author and the artefact reference.
 */
import { ATTESTATION_EVIDENCE_KINDS } from '../evidence/catalog.js';
import type { Evidence } from '../domain/evidence.js';
import { E8_ATTESTATION_KINDS, type Attestation } from '../domain/attestation.js';

/** Essential Eight kinds only become evidence once recorded: 24 "none recorded" rows in every report would be noise. */
const RECORDED_ONLY: ReadonlySet<string> = new Set(E8_ATTESTATION_KINDS);

const DAY = 86_400_000;

const days = (ms: number) => Math.floor(ms / DAY);

/** What an attestation says and how old it is at `t` (ms): the same fields whether it is valid or expired. */
const dated = (a: Attestation, t: number) => ({
  ageDays: Math.max(0, days(t - Date.parse(a.attestedAt))),
  expiresInDays: days(Date.parse(a.expiresAt) - t),
  attestedAt: a.attestedAt,
  expiresAt: a.expiresAt,
  author: a.author,
  attestationId: a.id,
});

export function attestationEvidence(attestations: readonly Attestation[], now: Date): Evidence[] {
  const collectedAt = now.toISOString();
  const t = now.getTime();
  // An attestation dated after the scan did not exist yet (rescoring or backfilled history scores the past).
  const liveOf = (kind: string) => attestations.filter((a) => a.kind === kind && a.revokedAt === null && Date.parse(a.attestedAt) <= t);
  const kinds = ATTESTATION_EVIDENCE_KINDS.filter((kind) => !RECORDED_ONLY.has(kind) || liveOf(kind).length > 0);
  return kinds.map((kind): Evidence => {
    const key = `attestation.${kind}`;
    const live = liveOf(kind);
    const source = { collector: 'attestation', endpoints: live.map((a) => `attestation:${a.id}`), requests: 0 };
    const valid = live.filter((a) => Date.parse(a.expiresAt) > t).sort((a, b) => Date.parse(b.attestedAt) - Date.parse(a.attestedAt));
    const best = valid[0];
    if (best) {
      return {
        key,
        status: 'ok',
        value: { attested: true, ...dated(best, t), fileRef: best.fileRef },
        reason: null,
        reasonCode: null,
        source: { ...source, endpoints: [`attestation:${best.id}`] },
        collectedAt,
      };
    }
    const lastExpired = [...live].sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt))[0];
    if (lastExpired) {
      return {
        key,
        status: 'unavailable',
        value: { attested: false, ...dated(lastExpired, t) },
        reason: `attestation expired on ${lastExpired.expiresAt.slice(0, 10)}: record a new one`,
        reasonCode: 'stale',
        source: { ...source, endpoints: [`attestation:${lastExpired.id}`] },
        collectedAt,
      };
    }
    return {
      key,
      status: 'unavailable',
      value: null,
      reason: 'no attestation recorded',
      reasonCode: 'not_configured',
      source,
      collectedAt,
    };
  });
}
