import { describe, expect, it } from 'vitest';
import { scanTenants } from './scan-tenants.js';

/** A scan whose end the test decides; records what ran when. */
function harness() {
  const events: string[] = [];
  const pending = new Map<string, Array<{ resolve: (v: string) => void; reject: (e: Error) => void }>>();
  let running = 0;
  let peak = 0;
  const active = new Set<string>();
  let overlapSameTenant = false;
  const scan = (t: { id: string }) =>
    new Promise<string>((resolve, reject) => {
      if (active.has(t.id)) overlapSameTenant = true;
      active.add(t.id);
      running += 1;
      peak = Math.max(peak, running);
      events.push(`start ${t.id}`);
      const end = (fn: () => void) => () => {
        running -= 1;
        active.delete(t.id);
        events.push(`end ${t.id}`);
        fn();
      };
      const list = pending.get(t.id) ?? [];
      list.push({ resolve: (v) => end(() => resolve(v))(), reject: (e) => end(() => reject(e))() });
      pending.set(t.id, list);
    });
  const settle = async (id: string, error?: Error) => {
    const next = pending.get(id)?.shift();
    if (!next) throw new Error(`no running scan of ${id}`);
    if (error) next.reject(error);
    else next.resolve(`report ${id}`);
    await flush();
  };
  return { scan, settle, events, peak: () => peak, overlapSameTenant: () => overlapSameTenant };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

const tenants = (...ids: string[]) => ids.map((id) => ({ id }));

describe('scanTenants', () => {
  it('runs up to `concurrency` scans at once and returns the results in input order, whatever order they end in', async () => {
    const h = harness();
    const done = scanTenants(tenants('a', 'b', 'c', 'd', 'e'), 3, h.scan);
    await flush();
    expect(h.events).toEqual(['start a', 'start b', 'start c']);
    await h.settle('c');
    await h.settle('b');
    expect(h.events.slice(3)).toEqual(['end c', 'start d', 'end b', 'start e']);
    await h.settle('e');
    await h.settle('d');
    await h.settle('a');
    expect(await done).toEqual(['report a', 'report b', 'report c', 'report d', 'report e']);
    expect(h.peak()).toBe(3);
  });

  it('with concurrency 1 scans one tenant after the other, in order', async () => {
    const h = harness();
    const done = scanTenants(tenants('a', 'b', 'c'), 1, h.scan);
    for (const id of ['a', 'b', 'c']) {
      await flush();
      await h.settle(id);
    }
    expect(await done).toEqual(['report a', 'report b', 'report c']);
    expect(h.events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(h.peak()).toBe(1);
  });

  it('never runs two scans of one tenant at once: a repeated tenant waits for its first scan, without holding a slot', async () => {
    const h = harness();
    const done = scanTenants(tenants('a', 'a', 'b'), 2, h.scan);
    await flush();
    // The second "a" waits for the first; "b" takes the free slot.
    expect(h.events).toEqual(['start a', 'start b']);
    await h.settle('a');
    expect(h.events).toEqual(['start a', 'start b', 'end a', 'start a']);
    await h.settle('b');
    await h.settle('a');
    expect(await done).toEqual(['report a', 'report a', 'report b']);
    expect(h.overlapSameTenant()).toBe(false);
  });

  it('a scan that throws stops no other; the first error in input order is thrown once all have ended', async () => {
    const h = harness();
    const done = scanTenants(tenants('a', 'b', 'c', 'd'), 2, h.scan);
    const outcome = done.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    await flush();
    await h.settle('b', new Error('b broke'));
    await h.settle('c', new Error('c broke'));
    await h.settle('a');
    await h.settle('d');
    expect(h.events.filter((e) => e.startsWith('end'))).toEqual(['end b', 'end c', 'end a', 'end d']);
    expect(await outcome).toBe('b broke');
  });

  it('refuses a concurrency below 1', async () => {
    await expect(scanTenants(tenants('a'), 0, async () => 'x')).rejects.toThrow(/concurrency/);
  });
});
