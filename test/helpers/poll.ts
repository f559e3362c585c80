/** Calls `fn` every `intervalMs` until it returns something other than undefined; fails after `ms`. */
export async function poll<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
