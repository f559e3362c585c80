/**
 * `m365.secure_score`: the newest daily Secure Score snapshot (Graph keeps 90, newest first, so `$top=1`).
 */
import { pct } from '../../src/domain/evidence.js';
import type { Outcome } from './evidence.js';
import { parseWith } from './requests.js';
import { collectionPage, secureScore } from './schema.js';
import { ENDPOINTS } from './endpoints.js';

export interface SecureScoreValue extends Record<string, unknown> {
  current: number;
  max: number;
  pct: number | null;
  /** createdDateTime of the snapshot. */
  date: string;
}

/** Throws SchemaViolation on a malformed body; an empty list is an honest "no score yet". */
export function deriveSecureScore(body: unknown): Outcome<SecureScoreValue> {
  const page = parseWith(collectionPage, body, ENDPOINTS.secureScores.path);
  if (page.value.length === 0) {
    return {
      ok: false,
      failure: {
        status: 'unavailable',
        reasonCode: 'insufficient_history',
        reason: 'Microsoft has not computed a Secure Score snapshot for this tenant yet (GET /security/secureScores returned an empty list)',
      },
    };
  }
  const s = parseWith(secureScore, page.value[0], ENDPOINTS.secureScores.path, 'value[0]');
  return { ok: true, value: { current: s.currentScore, max: s.maxScore, pct: pct(s.currentScore, s.maxScore), date: s.createdDateTime } };
}
