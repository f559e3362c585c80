/**
 * Opaque bearer tokens a vendor API hands out (and refresh tokens, where it has them), with what each token stands
 * for. The host keeps one store per vendor per running simulator (VendorContext.tokens), so a token is only ever
 * valid on the simulator and vendor that issued it, and no store outlives its simulator. Vendors draw the token
 * text themselves (its shape is the vendor's); the store only remembers and forgets. (A vendor whose tokens are
 * self-contained, as signed JWTs are, keeps its signing key in VendorContext.local instead.)
 */
export class BearerTokens<T extends object> {
  private readonly live = new Map<string, T & { expiresAt: number }>();
  private pruneAt = 1024;

  /** Remember `token` for `lifetimeSeconds`; returns the live record (callers may annotate it later). */
  issue(token: string, data: T, lifetimeSeconds: number, now = Date.now()): T & { expiresAt: number } {
    // Benchmarks issue thousands of tokens: drop the expired ones whenever the store has doubled.
    if (this.live.size >= this.pruneAt) {
      for (const [k, v] of this.live) if (v.expiresAt <= now) this.live.delete(k);
      this.pruneAt = Math.max(1024, this.live.size * 2);
    }
    const record = { ...data, expiresAt: now + lifetimeSeconds * 1000 };
    this.live.set(token, record);
    return record;
  }

  /** The record of a token this store issued (expired ones too, so vendors can word "expired" their own way). */
  get(token: string): (T & { expiresAt: number }) | undefined {
    return this.live.get(token);
  }

  revoke(token: string): void {
    this.live.delete(token);
  }
}
