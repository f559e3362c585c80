/**
 * DNS reads for the e-mail authentication checks, through `node:dns` (c-ares, not the OS stub resolver) with the
 * servers the m365 config names, or the system's when it names none.
 *
 * Three answers, because they mean different things to a maturity score:
 *   found    the records at the name;
 *   missing  NXDOMAIN or NODATA: the name has no such record — a real finding about the domain;
 *   unknown  SERVFAIL, REFUSED, timeout, unreachable server: the DNS could not say — never counted as failing.
 *
 * Every query waits for a slot in one process-wide limiter: a scan of hundreds of tenants with several domains
 * each must not fire thousands of queries at one resolver at once (public resolvers rate-limit, and c-ares keeps a
 * socket per outstanding query).
 */
import { Resolver } from 'node:dns/promises';
import pLimit from 'p-limit';

export type LookupAnswer<T> = { kind: 'found'; records: T } | { kind: 'missing' } | { kind: 'unknown'; reason: string };

export interface DnsOptions {
  /** `host` or `host:port` (IPv6 as `[addr]:port`); empty or absent = the system resolver's servers. */
  servers?: readonly string[];
  /** Per attempt; two attempts per query. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Queries in flight across the whole process. */
export const DNS_CONCURRENCY = 32;
const limit = pLimit(DNS_CONCURRENCY);

/** The answer is "no such record": the name does not exist, or has no record of that type. */
const MISSING = new Set(['ENOTFOUND', 'ENODATA']);

const DESCRIPTIONS: Record<string, string> = {
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'query refused',
  ETIMEOUT: 'timed out',
  ECONNREFUSED: 'DNS server unreachable (connection refused)',
  ECANCELLED: 'query cancelled',
  EFORMERR: 'server rejected the query (FORMERR)',
  EBADRESP: 'malformed answer',
  ENOTIMP: 'query type not implemented by the server',
};

export class DnsLookup {
  private readonly resolver: Resolver;
  readonly servers: readonly string[];
  /** Queries sent (each counted once, whatever its answer). */
  queries = 0;

  constructor(private readonly opts: DnsOptions) {
    // c-ares retries a query on its own; `timeout` is per attempt, so a dead server costs about 2 × timeoutMs.
    this.resolver = new Resolver({ timeout: opts.timeoutMs, tries: 2 });
    if (opts.servers && opts.servers.length > 0) this.resolver.setServers([...opts.servers]);
    this.servers = this.resolver.getServers();
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.resolver.cancel();

  /** Detach from the scan's signal (a long-lived scheduler signal must not collect one listener per tenant). */
  close(): void {
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  /** TXT records at `name`, each with its character-strings joined. */
  txt(name: string): Promise<LookupAnswer<string[]>> {
    return this.query(name, 'TXT', async () => (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
  }

  /** The CNAME target at `name` (without following it). */
  cname(name: string): Promise<LookupAnswer<string[]>> {
    return this.query(name, 'CNAME', () => this.resolver.resolveCname(name));
  }

  private query<T>(name: string, type: string, run: () => Promise<T>): Promise<LookupAnswer<T>> {
    return limit(async (): Promise<LookupAnswer<T>> => {
      if (this.opts.signal?.aborted) return { kind: 'unknown', reason: `${type} ${name}: scan aborted` };
      this.queries++;
      // A backstop over c-ares' own timeout, so a stuck socket can never hold a slot (and the scan) forever.
      let timer: NodeJS.Timeout | undefined;
      const backstop = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), this.opts.timeoutMs * 3 + 100);
      });
      try {
        return { kind: 'found', records: await Promise.race([run(), backstop]) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException)?.code ?? '';
        if (MISSING.has(code)) return { kind: 'missing' };
        const what = DESCRIPTIONS[code] ?? (code || (err as Error)?.message || 'failed');
        return { kind: 'unknown', reason: `${type} ${name}: ${what}` };
      } finally {
        clearTimeout(timer);
      }
    });
  }
}
