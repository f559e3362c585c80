/**
 * Real loopback receivers for the alert tests: an HTTP server that records raw request bytes (so a signature can be
 * checked over exactly what arrived) and answers from a script, an SMTP server (`smtp-server`) that records whole
 * messages, a tiny MIME reader for what it received, and a pino logger whose lines land in an array.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Logger } from 'pino';
import { createLogger } from '../log/logger.js';
import type { AlertEvent } from '../domain/episode.js';

export const HOSTILE_NAME = '<script>alert(1)</script> **Evil** [x](https://evil.example) & <!channel>';

export function sampleEvent(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    kind: 'regression',
    episodeId: 'ep-0123456789abcdef0123',
    tenant: { id: 'contoso', name: 'Contoso Ltd' },
    occurredAt: '2025-01-02T02:00:42.000Z',
    scanId: 'scan-contoso-0002',
    previousLevel: 3,
    currentLevel: 2,
    previousLevelName: 'Defined',
    currentLevelName: 'Managed',
    drops: [
      {
        kind: 'level',
        id: 'overall',
        from: 3,
        to: 2,
        rules: [
          {
            ruleId: 'mfa-enforced',
            from: 'pass',
            to: 'fail',
            observed: 'Security defaults off, no Conditional Access policy requires MFA',
            expected: 'enforced for all users',
          },
        ],
      },
      {
        kind: 'capability',
        id: 'endpoint',
        from: 75,
        to: 60,
        rules: [{ ruleId: 'patch-compliance', from: 'pass', to: 'fail', observed: '102 of 120 devices compliant (85 %)', expected: '≥ 90 %' }],
      },
    ],
    lostKeys: [],
    link: 'https://ratchet.msp.example/tenants/contoso/scans/scan-contoso-0002',
    command: 'ratchet rescore --scan scan-contoso-0002 --format markdown',
    ...overrides,
  };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Hold the answer this long (for timeout tests). */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  requests: RecordedRequest[];
  /** Answers used in order; the last one repeats. */
  answers: ScriptedAnswer[];
  close(): Promise<void>;
}

export async function startReceiver(answers: ScriptedAnswer[] = [{ status: 200, body: 'ok' }], path = '/hook'): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const state = { answers };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
      const list = state.answers;
      const answer = list[Math.min(requests.length - 1, list.length - 1)] ?? { status: 200 };
      const reply = () => {
        res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    get answers() {
      return state.answers;
    },
    set answers(a: ScriptedAnswer[]) {
      state.answers = a;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  logins: Array<{ username: string; password: string }>;
  close(): Promise<void>;
}

/** smtp-server on 127.0.0.1 without TLS (loopback only), optionally with PLAIN/LOGIN auth. */
export async function startSmtp(opts: { auth?: { username: string; password: string }; rejectWith?: { code: number; message: string } } = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const logins: Array<{ username: string; password: string }> = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (opts.auth && auth.username === opts.auth.username && auth.password === opts.auth.password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (opts.rejectWith) {
          const err = new Error(opts.rejectWith.message) as Error & { responseCode: number };
          err.responseCode = opts.rejectWith.code;
          cb(err);
          return;
        }
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

// ── a minimal MIME reader: enough for nodemailer's text + html multipart/alternative ──

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=\s*/gi, (_m, _cs: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

function splitHead(part: string): { headers: Map<string, string>; body: string } {
  const idx = part.search(/\r?\n\r?\n/);
  const head = idx === -1 ? part : part.slice(0, idx);
  const body = idx === -1 ? '' : part.slice(idx).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const enc = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHead(raw);
  const parsed: ParsedMail = { headers, subject: decodeWords(headers.get('subject') ?? ''), text: '', html: '' };
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const p of parts) {
    const part = boundary ? splitHead(p.replace(/^\r?\n/, '')) : { headers, body };
    const ct = (part.headers.get('content-type') ?? '').toLowerCase();
    const content = decodeBody(part.headers, part.body).replace(/\r\n/g, '\n');
    if (ct.startsWith('text/plain')) parsed.text = content;
    if (ct.startsWith('text/html')) parsed.html = content;
  }
  return parsed;
}

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  records(): Array<Record<string, unknown>>;
}

/** The production logger (redaction and scrubbing included), writing into memory. */
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
