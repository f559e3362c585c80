/**
 * The simulator's DNS: the records each tenant's directory publishes (DirectorySimulator.dnsZone), answered by the
 * loopback server in ./dns.ts, with the tenant's `dns=` fault (SERVFAIL, REFUSED, or no answer) applied to every
 * name under its domains. The index is rebuilt lazily after a profile or fault change, not per query.
 */
import { DnsZone, type DnsAnswer, type DnsHandler, type DnsRecord } from './dns.js';
import type { FaultConfig } from './faults.js';

export interface DnsTenant {
  zone: { apexes: string[]; records: DnsRecord[] };
  faults: FaultConfig;
}

export class DirectoryDns {
  private index: Map<string, { zone: DnsZone; faults: FaultConfig }> | null = null;

  constructor(private readonly tenants: () => DnsTenant[]) {}

  invalidate(): void {
    this.index = null;
  }

  private build(): Map<string, { zone: DnsZone; faults: FaultConfig }> {
    const index = new Map<string, { zone: DnsZone; faults: FaultConfig }>();
    for (const t of this.tenants()) {
      const entry = { zone: new DnsZone(t.zone.records, t.zone.apexes), faults: t.faults };
      for (const apex of t.zone.apexes) index.set(apex.toLowerCase(), entry);
    }
    return index;
  }

  readonly handler: DnsHandler = (q): DnsAnswer => {
    this.index ??= this.build();
    const labels = q.name.toLowerCase().replace(/\.$/, '').split('.');
    // The longest apex the name falls under (a sub-domain verified on its own wins over its parent).
    for (let i = 0; i < labels.length; i++) {
      const entry = this.index.get(labels.slice(i).join('.'));
      if (!entry) continue;
      switch (entry.faults.dns) {
        case 'servfail':
          return { rcode: 'SERVFAIL', records: [] };
        case 'refused':
          return { rcode: 'REFUSED', records: [] };
        case 'drop':
          return { drop: true };
        default:
          return entry.zone.answer(q);
      }
    }
    return { rcode: 'REFUSED', records: [] };
  };
}
