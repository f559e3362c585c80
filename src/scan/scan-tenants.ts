/**
 * Scans several tenants at once, as `ratchet scan` (one-shot mode) does: at most `concurrency` scans run at the same
 * time — the queue `ratchet serve`'s scheduler uses (p-limit at `schedule.concurrency`) — and never two scans of one
 * tenant (a tenant named twice is scanned twice, one after the other, as before). Results come back in the order of
 * the input, whatever order the scans finish in. A scan that throws does not stop the others: every scan runs to its
 * end, and then the first error in input order is thrown.
 */
import pLimit from 'p-limit';

export async function scanTenants<T extends { id: string }, R>(
  tenants: readonly T[],
  concurrency: number,
  scan: (tenant: T) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, not ${concurrency}`);
  const limit = pLimit(concurrency);
  // The last scan queued per tenant: a repeated tenant waits for it (outside the limit, so it holds no slot).
  const previous = new Map<string, Promise<unknown>>();
  const runs = tenants.map((tenant) => {
    const before = previous.get(tenant.id);
    const run = before ? before.then(noop, noop).then(() => limit(() => scan(tenant))) : limit(() => scan(tenant));
    previous.set(tenant.id, run);
    return run;
  });
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}

function noop(): void {}
