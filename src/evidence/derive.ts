/**
 * Evidence derived by the core from other evidence (vendor-neutral): `backup.coverage` joins the RMM's servers to
 * the backup tool's protected workloads, whichever vendors produced them.
 */
import { CappedCollector, pct, type Evidence } from '../domain/evidence.js';

/**
 * Host names differ between tools: case, DNS suffix (`srv01.contoso.local` vs `SRV01`), and NetBIOS's 15-character
 * limit (`SRV-FILESERVER-PRIMARY` is `SRV-FILESERVER-` to an agent that reports the NetBIOS name).
 */
export function normaliseHostName(name: string): string {
  const short = name.trim().toLowerCase().split('.')[0] ?? '';
  return short.slice(0, 15);
}

function names(ev: Evidence, field: string): string[] {
  const v = ev.value?.[field];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function deriveBackupCoverage(evidence: readonly Evidence[], sources: readonly string[], now: Date): Evidence | null {
  if (!sources.includes('backup')) return null;
  const base = {
    key: 'backup.coverage',
    source: { collector: 'core', endpoints: ['rmm.devices', 'backup.protection'], requests: 0 },
    collectedAt: now.toISOString(),
  };
  const unavailable = (reason: string, reasonCode: Evidence['reasonCode']): Evidence => ({ ...base, status: 'unavailable', value: null, reason, reasonCode });
  if (!sources.includes('rmm')) {
    return unavailable('backup coverage needs an RMM source to list the servers that should be backed up', 'not_configured');
  }
  const rmm = evidence.find((e) => e.key === 'rmm.devices');
  const backup = evidence.find((e) => e.key === 'backup.protection');
  if (!rmm || rmm.status !== 'ok' || !rmm.value) return unavailable(`RMM inventory not available: ${rmm?.reason ?? 'not collected'}`, rmm?.reasonCode ?? 'collector_error');
  if (!backup || backup.status !== 'ok' || !backup.value) {
    return unavailable(`backup inventory not available: ${backup?.reason ?? 'not collected'}`, backup?.reasonCode ?? 'collector_error');
  }
  const protectedNames = new Set(names(backup, 'objectNames').map(normaliseHostName));
  const servers = names(rmm, 'serverNames');
  const uncovered = new CappedCollector();
  let covered = 0;
  for (const s of servers) {
    if (protectedNames.has(normaliseHostName(s))) covered += 1;
    else uncovered.add(s);
  }
  const truncated = Number(rmm.value.serverNamesTotal ?? servers.length) > servers.length || Number(backup.value.objectNamesTotal ?? 0) > protectedNames.size;
  return {
    ...base,
    status: 'ok',
    value: {
      servers: servers.length,
      covered,
      pct: pct(covered, servers.length),
      uncovered: uncovered.list(),
      uncoveredTotal: uncovered.total,
      matchedBy: 'normalised host name (case, DNS suffix, NetBIOS 15 characters)',
      truncatedInputs: truncated,
      // A workstation-only estate has no servers to cover: a structural gap, not a pass and not a pinning unknown.
      ...(servers.length === 0 ? { notApplicable: { pct: 'no servers in the RMM inventory: recovery rests on backup success and freshness' } } : {}),
    },
    reason: null,
    reasonCode: null,
  };
}

export function deriveEvidence(evidence: readonly Evidence[], sources: readonly string[], now: Date): Evidence[] {
  return [deriveBackupCoverage(evidence, sources, now)].filter((e): e is Evidence => e !== null);
}

/**
 * `recovery.restore_test`: the newest proof that backups restore — a technician's restore-test attestation, or the
 * backup product's automated verification (`backup.verification`, e.g. Veeam SureBackup) — whichever is newer
 * (DESIGN §7: "a restore test (or the backup product's automated verification)"). The younger of the two ages can
 * only grow as either gets older, so the gate reading it stays monotonic. Neither available: unavailable, with both
 * reasons (an unknown, never a fail).
 */
export function deriveRestoreTest(evidence: readonly Evidence[], now: Date): Evidence {
  const base = {
    key: 'recovery.restore_test',
    source: { collector: 'core', endpoints: ['attestation.restore_test', 'backup.verification'], requests: 0 },
    collectedAt: now.toISOString(),
  };
  const attestation = evidence.find((e) => e.key === 'attestation.restore_test');
  const verification = evidence.find((e) => e.key === 'backup.verification');
  const candidates: Array<{ ageDays: number; via: string; at: unknown }> = [];
  const attestedAge = attestation?.status === 'ok' ? attestation.value?.['ageDays'] : undefined;
  if (typeof attestedAge === 'number') candidates.push({ ageDays: attestedAge, via: `restore test attested by ${String(attestation!.value?.['author'] ?? 'a technician')}`, at: attestation!.value?.['attestedAt'] });
  const verifiedAge = verification?.status === 'ok' ? verification.value?.['verifiedDaysAgo'] : undefined;
  if (typeof verifiedAge === 'number') candidates.push({ ageDays: verifiedAge, via: `automated verification (${String(verification!.value?.['via'] ?? 'backup product')})`, at: verification!.value?.['lastVerifiedAt'] });
  const best = candidates.sort((a, b) => a.ageDays - b.ageDays)[0];
  if (best) {
    return { ...base, status: 'ok', value: { ageDays: best.ageDays, via: best.via, at: best.at ?? null, candidates: candidates.length }, reason: null, reasonCode: null };
  }
  const why = [
    `restore test attestation: ${attestation?.reason ?? 'none recorded'}`,
    verification ? `automated verification: ${verification.status === 'ok' ? 'none recorded by the backup product' : (verification.reason ?? verification.status)}` : 'no backup product verification available',
  ].join('; ');
  return { ...base, status: 'unavailable', value: null, reason: why, reasonCode: attestation?.reasonCode ?? 'not_configured' };
}
