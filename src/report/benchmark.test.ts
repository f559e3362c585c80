import { describe, expect, it } from 'vitest';
import { benchmark, midRankPercentile, MIN_PEERS, ordinal, sizeBandOf, standingText, type PeerScan } from './benchmark.js';

function peer(tenantId: string, level: number, identity: number | null, over: Partial<PeerScan> = {}): PeerScan {
  return { tenantId, status: 'complete', level, capabilities: [{ id: 'identity', score: identity, coverage: 1 }], users: 100, ...over };
}

/** A small seeded generator, so a failing property run can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('midRankPercentile', () => {
  it('counts half of the ties, so equal scores share the middle', () => {
    expect(midRankPercentile(3, [3, 3, 3, 3, 3])).toBe(50);
    // below 2, equal 2 of 6 → (2 + 1) / 6 = 50 %
    expect(midRankPercentile(70, [50, 60, 70, 70, 80, 90])).toBe(50);
    expect(midRankPercentile(90, [50, 60, 70, 80, 90])).toBe(90);
    expect(midRankPercentile(50, [50, 60, 70, 80, 90])).toBe(10);
  });

  it('is monotone: over random peer sets a worse score never gets a higher percentile', () => {
    const next = rng(16);
    for (let run = 0; run < 500; run++) {
      const n = MIN_PEERS + Math.floor(next() * 40);
      // Coarse values force many ties.
      const values = Array.from({ length: n }, () => Math.floor(next() * 12) * 10);
      const sorted = [...new Set(values)].sort((a, b) => a - b);
      const pct = sorted.map((v) => midRankPercentile(v, values));
      for (let i = 1; i < pct.length; i++) expect(pct[i]!).toBeGreaterThanOrEqual(pct[i - 1]!);
      for (const p of pct) {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(100);
      }
    }
  });

  it('is monotone through benchmark(): raising only the subject never lowers its standing', () => {
    const next = rng(7);
    for (let run = 0; run < 200; run++) {
      const others = Array.from({ length: 4 + Math.floor(next() * 20) }, (_, i) => peer(`t${i}`, 1 + Math.floor(next() * 5), Math.round(next() * 100)));
      const low = Math.round(next() * 100);
      const high = low + Math.round(next() * (100 - low));
      const a = benchmark(peer('me', 2, low), others)!;
      const b = benchmark(peer('me', 2, high), others)!;
      expect(b.capabilities.identity!.percentile!).toBeGreaterThanOrEqual(a.capabilities.identity!.percentile!);
    }
  });
});

describe('benchmark', () => {
  const five = [peer('a', 1, 20), peer('b', 2, 40), peer('c', 3, 60), peer('d', 4, 80)];

  it('ranks the level and each capability among complete scans, the subject included', () => {
    const b = benchmark(peer('me', 5, 100), five)!;
    expect(b.peers).toBe(5);
    expect(b.level).toMatchObject({ percentile: 90, peers: 5, reason: null });
    expect(b.capabilities.identity).toMatchObject({ percentile: 90, peers: 5 });
    const worst = benchmark(peer('me', 1, 0), five)!;
    expect(worst.level.percentile).toBe(20); // (0 + 0.5·2) / 5
    expect(worst.capabilities.identity!.percentile).toBe(10);
  });

  it('counts the subject once even when it is in the peer list', () => {
    const me = peer('me', 5, 100);
    expect(benchmark(me, [...five, me])!.peers).toBe(5);
  });

  it('gives no percentile with fewer than five tenants, never a misleading 100th', () => {
    const b = benchmark(peer('me', 5, 100), five.slice(0, 3))!;
    expect(b.level.percentile).toBeNull();
    expect(b.level.reason).toBe('too few tenants to compare (4)');
    expect(standingText(b.level)).toBe('no percentile: too few tenants to compare (4)');
  });

  it('leaves out partial and failed scans as peers, and has no benchmark for a subject whose newest scan is partial', () => {
    const peers = [...five.slice(0, 3), peer('d', 4, 80, { status: 'partial' }), peer('e', 4, 80, { status: 'failed' })];
    const b = benchmark(peer('me', 5, 100), peers)!;
    expect(b.peers).toBe(4);
    expect(b.level.percentile).toBeNull();
    expect(benchmark(peer('me', 5, 100, { status: 'partial' }), five)).toBeNull();
  });

  it('leaves out a capability that is unscored, unmeasured or out of scope for a tenant', () => {
    const peers = [...five, peer('x', 3, null), peer('y', 3, 90, { outOfScope: ['identity'] }), peer('z', 3, 95, { capabilities: [{ id: 'identity', score: 95, coverage: 0 }] })];
    const b = benchmark(peer('me', 5, 100), peers)!;
    expect(b.peers).toBe(8);
    expect(b.level.peers).toBe(8);
    expect(b.capabilities.identity!.peers).toBe(5);
    // An unscored subject capability gets no entry at all.
    expect(benchmark(peer('me', 5, null), five)!.capabilities.identity).toBeUndefined();
  });

  it('ranks within the size band only when the band has five tenants', () => {
    const small = (id: string, score: number) => peer(id, 2, score, { users: 20 });
    const peers = [...five, small('s1', 10), small('s2', 30), small('s3', 50), small('s4', 70)];
    const b = benchmark(small('me', 60), peers)!;
    expect(b.sizeBand).toEqual({ id: '1-49', label: '1–49 users' });
    expect(b.capabilities.identity).toMatchObject({ peers: 9, band: { id: '1-49', percentile: 70, peers: 5 } });
    expect(standingText(b.capabilities.identity!)).toBe(`${ordinal(b.capabilities.identity!.percentile!)} percentile of 9 tenants at this MSP (70th among 1–49 users)`);
    const thin = benchmark(small('me', 60), peers.slice(0, 7))!;
    expect(thin.capabilities.identity!.band).toMatchObject({ percentile: null, reason: 'too few tenants to compare (4)' }); // s1–s3 and the subject
    expect(benchmark(peer('me', 2, 60, { users: null }), peers)!.level.band).toBeNull();
  });
});

describe('size bands and words', () => {
  it('bands by user count', () => {
    expect([0, 1, 49, 50, 249, 250, 999, 1000, 50_000, null].map((u) => sizeBandOf(u)?.id ?? null)).toEqual([null, '1-49', '1-49', '50-249', '50-249', '250-999', '250-999', '1000+', '1000+', null]);
  });

  it('writes ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 42, 78, 93].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '42nd', '78th', '93rd']);
  });
});
