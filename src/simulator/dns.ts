/**
 * A small authoritative DNS server on loopback for the simulator and the tests: the e-mail authentication checks
 * read SPF, DKIM and DMARC through `node:dns` exactly as in production, pointed at this server instead of the
 * internet. UDP (answers cut to the client's EDNS size, or 512 bytes, with TC set) plus TCP, which resolvers retry
 * on after a truncated answer — a 2048-bit DKIM key record does not fit in 512 bytes.
 *
 * Vendor-neutral: a `DnsZone` of plain records, or any `DnsHandler`, decides the answers. A handler may return
 * `SERVFAIL`/`REFUSED`, or `drop` (no answer at all: the client times out), which is how faults are simulated.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export type DnsRecordType = 'TXT' | 'CNAME' | 'MX' | 'A';

export interface DnsRecord {
  name: string;
  type: DnsRecordType;
  /** TXT: the text (split into 255-byte character-strings on the wire); CNAME: the target; MX: `pref host`; A: the address. */
  data: string;
  ttl?: number;
}

export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';

export type DnsAnswer = { rcode: DnsRcode; records: DnsRecord[] } | { drop: true };

export type DnsHandler = (question: { name: string; type: string }) => DnsAnswer;

const RCODES: Record<DnsRcode, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Records under a set of apexes. A name under an apex with no record of the asked type is NODATA (NOERROR, empty)
 * when the name exists, NXDOMAIN when it does not; a name under no apex is REFUSED (not our zone). A CNAME answers
 * every type, as at an authoritative server; its target is followed when it is in the zone.
 */
export class DnsZone {
  private readonly byName = new Map<string, DnsRecord[]>();
  private readonly apexes = new Set<string>();

  constructor(records: readonly DnsRecord[] = [], apexes: readonly string[] = []) {
    for (const a of apexes) this.apexes.add(normalise(a));
    for (const r of records) this.add(r);
  }

  add(record: DnsRecord): this {
    const name = normalise(record.name);
    const list = this.byName.get(name) ?? [];
    list.push({ ...record, name });
    this.byName.set(name, list);
    return this;
  }

  addApex(apex: string): this {
    this.apexes.add(normalise(apex));
    return this;
  }

  private inZone(name: string): boolean {
    for (const a of this.apexes) if (name === a || name.endsWith(`.${a}`)) return true;
    return false;
  }

  private exists(name: string): boolean {
    // A name with records below it exists too (an "empty non-terminal", e.g. _domainkey.contoso.com).
    if (this.byName.has(name)) return true;
    for (const n of this.byName.keys()) if (n.endsWith(`.${name}`)) return true;
    return false;
  }

  answer(question: { name: string; type: string }): DnsAnswer {
    let name = normalise(question.name);
    if (!this.inZone(name)) return { rcode: 'REFUSED', records: [] };
    const records: DnsRecord[] = [];
    for (let hops = 0; hops < 8; hops++) {
      const here = this.byName.get(name) ?? [];
      const cname = here.find((r) => r.type === 'CNAME');
      if (cname && question.type !== 'CNAME') {
        records.push(cname);
        name = normalise(cname.data);
        if (!this.inZone(name)) break;
        continue;
      }
      records.push(...here.filter((r) => r.type === question.type));
      if (records.length === 0 && !this.exists(name)) return { rcode: 'NXDOMAIN', records: [] };
      break;
    }
    return { rcode: 'NOERROR', records };
  }
}

function toAnswer(r: DnsRecord): dnsPacket.Answer {
  const base = { name: r.name, ttl: r.ttl ?? 300, class: 'IN' as const };
  switch (r.type) {
    case 'TXT': {
      // One character-string holds at most 255 bytes (RFC 1035 §3.3.14); long keys are split, as zone files do.
      const buf = Buffer.from(r.data, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i < buf.length; i += 255) chunks.push(buf.subarray(i, i + 255));
      return { ...base, type: 'TXT', data: chunks.length > 0 ? chunks : [Buffer.alloc(0)] };
    }
    case 'MX': {
      const [pref, exchange] = r.data.split(/\s+/);
      return { ...base, type: 'MX', data: { preference: Number(pref), exchange: exchange ?? '' } };
    }
    case 'CNAME':
    case 'A':
      return { ...base, type: r.type, data: r.data };
  }
}

function respond(query: dnsPacket.DecodedPacket, answer: { rcode: DnsRcode; records: DnsRecord[] }, maxBytes: number | null): Buffer {
  const question = query.questions?.[0];
  const packet: dnsPacket.Packet = {
    type: 'response',
    id: query.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | RCODES[answer.rcode],
    questions: question ? [question] : [],
    answers: answer.records.map(toAnswer),
  };
  const full = dnsPacket.encode(packet);
  if (maxBytes === null || full.length <= maxBytes) return full;
  // Too big for UDP: no answers, TC set, and the client asks again over TCP (RFC 7766).
  return dnsPacket.encode({ ...packet, answers: [], flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE });
}

/** The UDP payload the client accepts: its EDNS0 OPT size, else the classic 512 bytes. */
function udpLimit(query: dnsPacket.DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(512, opt?.udpPayloadSize ?? 512);
}

export interface DnsServer {
  /** `127.0.0.1:<port>`: what `dns.setServers` (and the m365 config's dns.servers) takes. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Queries answered or dropped so far, both transports. */
  readonly queries: number;
  close(): Promise<void>;
}

export interface DnsServerOptions {
  handler: DnsHandler;
  host?: string;
  /** 0 = any free port; UDP and TCP share it. */
  port?: number;
  /** Do not keep the process alive for this server (a test fixture started once per file and never closed). */
  unref?: boolean;
}

function handle(handler: DnsHandler, msg: Buffer, maxBytes: (q: dnsPacket.DecodedPacket) => number | null): Buffer | null {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(msg);
  } catch {
    return null;
  }
  const q = query.questions?.[0];
  let answer: DnsAnswer;
  try {
    answer = q ? handler({ name: q.name, type: q.type }) : { rcode: 'REFUSED', records: [] };
  } catch {
    answer = { rcode: 'SERVFAIL', records: [] };
  }
  if ('drop' in answer) return null;
  return respond(query, answer, maxBytes(query));
}

async function bindUdp(host: string, port: number, onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void): Promise<dgram.Socket> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => onMessage(msg, (b) => socket.send(b, rinfo.port, rinfo.address)));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

async function bindTcp(host: string, port: number, onMessage: (msg: Buffer) => Buffer | null): Promise<net.Server> {
  const server = net.createServer((conn) => {
    let buffered = Buffer.alloc(0);
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Each message is prefixed with its two-byte length (RFC 1035 §4.2.2).
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const len = buffered.readUInt16BE(0);
        const out = onMessage(buffered.subarray(2, 2 + len));
        buffered = buffered.subarray(2 + len);
        if (out) {
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          conn.write(framed);
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Starts the server on UDP and TCP of one loopback port (port 0: a free one, tried a few times for TCP too). */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  let queries = 0;
  const count = (msg: Buffer, limit: (q: dnsPacket.DecodedPacket) => number | null) => {
    queries++;
    return handle(opts.handler, msg, limit);
  };
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, opts.port ?? 0, (msg, reply) => {
      const out = count(msg, udpLimit);
      if (out) reply(out);
    });
    const port = udp.address().port;
    let tcp: net.Server;
    try {
      tcp = await bindTcp(host, port, (msg) => count(msg, () => null));
    } catch (err) {
      udp.close();
      // The free UDP port may be taken on TCP; pick another unless the caller asked for this one.
      if (opts.port || attempt >= 5) throw err;
      continue;
    }
    if (opts.unref) {
      udp.unref();
      tcp.unref();
    }
    const sockets = new Set<net.Socket>();
    tcp.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    return {
      address: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
      host,
      port,
      get queries() {
        return queries;
      },
      close: async () => {
        for (const s of sockets) s.destroy();
        await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
      },
    };
  }
}
