/**
 * The pages and form posts of the web UI. Handlers only gather data through the `WebService` (which enforces the
 * principal's tenant scope: a tenant outside it is `null`, rendered as 404) and build plain view models; the
 * templates do the markup.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CAPABILITIES } from '../../domain/assessment.js';
import type { Finding } from '../../domain/assessment.js';
import type { Episode } from '../../domain/episode.js';
import { gatesLongText, gatesText, SCORE_MEANING, scopeLabel, scopeLines, scopeOf, unscoredText } from '../../report/level-text.js';
import type { Report } from '../../domain/report.js';
import { ATTESTATION_KINDS, type AttestationKind } from '../../domain/attestation.js';
import { hasRole, type Principal, type Role } from '../../domain/principal.js';
import { historyChart, sparkline } from './chart.js';
import { ordinal, standingText, type Benchmark, type BenchmarkScore } from '../../report/benchmark.js';
import { ATTESTATION_LABELS } from './format.js';
import { safeNext } from '../safe-next.js';
import { loginErrorMessage, oidcLoginHref } from '../auth.js';
import { PUBLIC, type Ui, principalOf } from './context.js';
import { applyPortfolio, first, parsePortfolioQuery, portfolioHref, sortHref, type RawQuery } from './portfolio.js';

export const OFFENDER_PAGE_SIZE = 50;
/** Limits of the form fields: the same as the service's (src/web/service.ts), checked here for friendly messages. */
export const MAX_NOTE = 4000;
export const MAX_COMMENT = 2000;
export const MAX_FILE_REF = 1000;
export const MAX_ATTESTATION_DAYS = 3 * 366;

/** The message of a refusal the service explains to people (WebError 400/409, src/web/errors.ts), else null. */
function refusal(e: unknown): string | null {
  const status = (e as { statusCode?: unknown })?.statusCode;
  const code = (e as { code?: unknown })?.code;
  return (status === 400 || status === 409) && (code === 'invalid_request' || code === 'conflict') && e instanceof Error ? e.message : null;
}

const NOTICES: Record<string, string> = {
  scan_queued: 'Scan queued. Reload this page in a minute to see the new results.',
  acknowledged: 'Regression acknowledged. The acknowledgement is in the audit log.',
  attested: 'Attestation recorded. It counts as evidence from the next scan on.',
  revoked: 'Attestation revoked.',
};

type Params = { id: string };
type Body = Record<string, unknown>;

function notice(q: RawQuery): string | null {
  const code = first(q, 'notice');
  return code ? (NOTICES[code] ?? null) : null;
}

function text(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Body)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

function pageNumber(q: RawQuery): number {
  const n = Number(first(q, 'page'));
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function validDay(s: string): boolean {
  return DATE_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/** Orders findings inside a capability: by level, problems before passes. */
const OUTCOME_ORDER: Record<string, number> = { fail: 0, partial: 1, unknown: 2, pass: 3, not_applicable: 4 };
/**
 * Failures first, then partial, then unknown; within an outcome the lowest level first (what holds the tenant down
 * most). With three times as many rules a level-first order buried the one failing gate among a page of passes.
 */
function byOutcomeThenLevel(a: Finding, b: Finding): number {
  return (OUTCOME_ORDER[a.outcome] ?? 9) - (OUTCOME_ORDER[b.outcome] ?? 9) || a.level - b.level || a.ruleId.localeCompare(b.ruleId);
}
const isProblem = (x: Finding): boolean => x.outcome === 'fail' || x.outcome === 'partial' || x.outcome === 'unknown';

function forbidden(ui: Ui, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return ui.page(req, reply, 'error', { title: 'Not allowed', status: 403, heading: 'Not allowed', message: 'Your role is read-only: ask a technician to make this change.' }, 403);
}

function requireTechnician(ui: Ui, req: FastifyRequest, reply: FastifyReply): Principal | null {
  const p = ui.signedIn(req, reply);
  if (!p) return null;
  if (!hasRole(p, 'technician')) {
    forbidden(ui, req, reply);
    return null;
  }
  return p;
}

interface TenantExtras {
  notice?: string | null;
  error?: string | null;
  ackErrors?: Record<string, string>;
}

async function tenantPage(ui: Ui, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, p: Principal, extras: TenantExtras = {}, status = 200): Promise<FastifyReply> {
  const id = req.params.id;
  const data = await ui.service.tenant(p, id);
  if (!data) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
  const episodes = (await ui.service.episodes(p, id)) ?? [];
  const { summary, report } = data;
  // At-risk episodes are forecasts: shown as notices of their own, never under "Open regressions".
  const open = episodes.filter((e) => e.state !== 'closed' && e.kind !== 'at_risk');
  const atRiskEpisode = episodes.find((e) => e.state !== 'closed' && e.kind === 'at_risk') ?? null;
  const q = req.query as RawQuery;
  const problemsOnly = first(q, 'show') === 'problems';
  return ui.page(
    req,
    reply,
    'tenant',
    {
      title: summary.name,
      section: 'portfolio',
      summary,
      report,
      openEpisodes: open,
      atRisk: { notices: report?.forecast ?? [], since: atRiskEpisode?.openedAt ?? null },
      spark: sparkline(summary.sparkline, 160, 32),
      why: report ? explainLevel(report) : null,
      rests: report ? restsOnView(report) : null,
      caps: report ? capabilityCards(report) : [],
      benchmark: benchmarkView(data.benchmark),
      scoreHelp: SCORE_MEANING,
      groups: report ? groupFindings(report, problemsOnly) : [],
      problemsOnly,
      notice: extras.notice ?? notice(q),
      error: extras.error ?? null,
      ackErrors: extras.ackErrors ?? {},
    },
    status,
  );
}

/**
 * What the level rests on, shown beside it: `level.restsOn` and the scope lines (out of scope with the reason,
 * unassessed with the source to connect, "scope complete"). A report stored before scope existed has neither.
 */
/**
 * The tenant page's benchmark block (issue 16): the level, then one line per capability, in the words of
 * `standingText` ("78th percentile of 12 tenants at this MSP (42nd among 50–249 users)"). Null = nothing to compare.
 */
export function benchmarkView(b: Benchmark | null | undefined): { peers: number; band: string | null; lines: Array<{ id: string; name: string; text: string }> } | null {
  if (!b) return null;
  const names = new Map(CAPABILITIES.map((c) => [c.id, c.name]));
  const lines = [
    { id: 'level', name: 'Level', text: standingText(b.level) },
    ...CAPABILITIES.filter((c) => b.capabilities[c.id]).map((c) => ({ id: c.id, name: names.get(c.id) ?? c.id, text: standingText(b.capabilities[c.id]!) })),
  ];
  return { peers: b.peers, band: b.sizeBand?.label ?? null, lines };
}

/** The portfolio's percentile cell: "78th" with the full sentence as its title, or a dash with the reason. */
export function percentileCell(s: BenchmarkScore | null | undefined): { text: string; title: string } {
  if (!s) return { text: '—', title: 'no complete scan to compare' };
  return { text: s.percentile === null ? '—' : ordinal(s.percentile), title: `Level: ${standingText(s)}` };
}

function restsOnView(report: Report): { restsOn: string | null; lines: ReturnType<typeof scopeLines>; known: boolean } {
  return { restsOn: report.level.restsOn ?? null, lines: scopeLines(report.level), known: report.level.scope !== undefined };
}

/** The capability cards: the level, and the score with the gates per level — or, when there is no score, why. */
function capabilityCards(report: Report) {
  return report.capabilities.map((c) => {
    const scope = scopeOf(c);
    return {
      c,
      scope,
      scopeLabel: scopeLabel(scope),
      scored: scope === 'assessed',
      /** "not assessed: connect …", "out of scope: …"; null when assessed. */
      why: unscoredText(c, report.level),
      gates: gatesText(c.gates),
      gatesHelp: gatesLongText(c.gates),
    };
  });
}

/** "Why this level": the gates of the next level that do not pass, and the gates that could not be measured. */
function explainLevel(report: Report): {
  next: number | null;
  blockers: Array<{ ruleId: string; finding: Finding | null }>;
  unknown: Array<{ ruleId: string; finding: Finding | null }>;
} {
  const byId = new Map(report.findings.map((x) => [x.ruleId, x]));
  const resolve = (ruleId: string) => ({ ruleId, finding: byId.get(ruleId) ?? null });
  return {
    next: report.level.value < 5 ? report.level.value + 1 : null,
    blockers: report.level.blockers.map(resolve),
    unknown: report.level.unknown.map(resolve),
  };
}

function groupFindings(report: Report, problemsOnly: boolean) {
  const caps: Report['capabilities'] = report.capabilities.length > 0 ? report.capabilities : CAPABILITIES.map((c) => ({ ...c, level: 1, score: null, coverage: 0 }));
  const known = new Set(caps.map((c) => c.id));
  const groups = caps.map((cap) => ({
    cap,
    findings: report.findings.filter((x) => x.capability === cap.id),
    scope: scopeOf(cap),
    scopeLabel: scopeLabel(scopeOf(cap)),
    gates: gatesText(cap.gates),
    why: unscoredText(cap, report.level),
  }));
  const orphans = report.findings.filter((x) => !known.has(x.capability));
  if (orphans.length > 0) {
    groups.push({ cap: { id: 'other', name: 'Other', level: 0, score: null, coverage: 0 }, findings: orphans, scope: 'assessed', scopeLabel: 'assessed', gates: null, why: null });
  }
  return groups
    .map((g) => {
      const counts = { pass: 0, partial: 0, fail: 0, unknown: 0, not_applicable: 0 } as Record<string, number>;
      for (const x of g.findings) counts[x.outcome] = (counts[x.outcome] ?? 0) + 1;
      // Problems are always shown; passes and not-applicable gates sit in a collapsed list under them (or are left
      // out with ?show=problems), so a capability with 20 rules and one failure reads as one failure.
      const shown = g.findings.filter(isProblem).sort(byOutcomeThenLevel);
      const settled = problemsOnly ? [] : g.findings.filter((x) => !isProblem(x)).sort(byOutcomeThenLevel);
      return { ...g, counts, shown, settled, total: g.findings.length };
    })
    .filter((g) => g.total > 0);
}

interface AttestForm {
  kind: string;
  note: string;
  fileRef: string;
  attestedAt: string;
  expiresAt: string;
}

async function attestationsPage(ui: Ui, req: FastifyRequest<{ Params: Params }>, reply: FastifyReply, p: Principal, form: AttestForm | null, errors: Record<string, string> = {}, status = 200): Promise<FastifyReply> {
  const id = req.params.id;
  const data = await ui.service.tenant(p, id);
  const list = data ? await ui.service.attestations(p, id) : null;
  if (!data || !list) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
  const audit = await ui.service.auditLog(p, id, 50);
  const today = ui.now();
  const defaults: AttestForm = form ?? {
    kind: first(req.query as RawQuery, 'kind') ?? 'restore_test',
    note: '',
    fileRef: '',
    attestedAt: isoDay(today),
    expiresAt: isoDay(new Date(today.getTime() + 365 * 86_400_000)),
  };
  const order = { valid: 0, expired: 1, revoked: 2 } as const;
  const sorted = [...list].sort((a, b) => order[a.status] - order[b.status] || b.attestedAt.localeCompare(a.attestedAt));
  // Governance criteria always show; Essential Eight kinds (24 of them) only once one was recorded for this tenant.
  const shown = ATTESTATION_KINDS.filter((kind) => !kind.startsWith('e8_') || sorted.some((a) => a.kind === kind));
  const coverage = shown.map((kind) => {
    const current = sorted.find((a) => a.kind === kind && a.status === 'valid') ?? null;
    const lapsed = current ? null : (sorted.find((a) => a.kind === kind && a.status === 'expired') ?? null);
    return { kind, label: ATTESTATION_LABELS[kind].label, hint: ATTESTATION_LABELS[kind].hint, current, lapsed };
  });
  return ui.page(
    req,
    reply,
    'attestations',
    {
      title: `Attestations · ${data.summary.name}`,
      section: 'portfolio',
      summary: data.summary,
      attestations: sorted,
      coverage,
      kinds: ATTESTATION_KINDS.map((k) => ({ id: k, label: ATTESTATION_LABELS[k].label })),
      form: defaults,
      errors,
      audit,
      notice: notice(req.query as RawQuery),
    },
    status,
  );
}

function validateAttestation(body: unknown, today: Date): { form: AttestForm; errors: Record<string, string> } {
  const form: AttestForm = {
    kind: text(body, 'kind'),
    note: text(body, 'note').trim(),
    fileRef: text(body, 'fileRef').trim(),
    attestedAt: text(body, 'attestedAt').trim(),
    expiresAt: text(body, 'expiresAt').trim(),
  };
  const errors: Record<string, string> = {};
  if (!(ATTESTATION_KINDS as readonly string[]).includes(form.kind)) errors.kind = 'Choose what is being attested.';
  if (form.note.length === 0) errors.note = 'Describe the evidence (what was checked, by whom, the outcome).';
  else if (form.note.length > MAX_NOTE) errors.note = `Keep the note under ${MAX_NOTE.toLocaleString('en-US')} characters; link the document instead.`;
  if (form.fileRef.length > MAX_FILE_REF) errors.fileRef = `The file reference is too long (${MAX_FILE_REF.toLocaleString('en-US')} characters at most).`;
  if (!validDay(form.attestedAt)) errors.attestedAt = 'Enter the date as YYYY-MM-DD.';
  else if (form.attestedAt > isoDay(new Date(today.getTime() + 86_400_000))) errors.attestedAt = 'The date cannot be in the future.';
  if (!validDay(form.expiresAt)) errors.expiresAt = 'Enter the date as YYYY-MM-DD.';
  else if (!errors.attestedAt && form.expiresAt <= form.attestedAt) errors.expiresAt = 'The expiry must be after the date of the evidence.';
  else if (form.expiresAt < isoDay(today)) errors.expiresAt = 'The expiry is already in the past.';
  else if (!errors.attestedAt && Date.parse(form.expiresAt) - Date.parse(form.attestedAt) > MAX_ATTESTATION_DAYS * 86_400_000) {
    errors.expiresAt = `An attestation lasts at most three years; set an earlier expiry.`;
  }
  return { form, errors };
}

export function registerPages(app: FastifyInstance, ui: Ui): void {
  const svc = ui.service;

  app.get('/login', { config: PUBLIC }, async (req, reply) => {
    const q = req.query as RawQuery;
    const next = safeNext(first(q, 'next'));
    if (principalOf(req)) return reply.redirect(next, 303);
    // What the auth plugin says is on offer (server.auth): OpenID Connect and/or the token form.
    const methods = (req.server as FastifyInstance & { signInMethods?: { oidc: boolean; token: boolean } }).signInMethods ?? { oidc: false, token: true };
    return ui.page(req, reply, 'login', {
      title: 'Sign in',
      section: 'login',
      next,
      error: loginErrorMessage(first(q, 'error')),
      signedOut: first(q, 'signedout') !== undefined,
      oidcHref: methods.oidc ? oidcLoginHref(next) : null,
      tokenForm: methods.token,
    });
  });

  app.get('/', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    const tenants = await svc.tenants(p);
    const capIds = CAPABILITIES.map((c) => c.id);
    const query = parsePortfolioQuery(req.query as RawQuery, capIds);
    const rows = applyPortfolio(tenants, query).map((t) => ({ t, spark: sparkline(t.sparkline), pct: percentileCell(t.levelBenchmark) }));
    const byLevel = [1, 2, 3, 4, 5].map((l) => ({ level: l, count: tenants.filter((t) => t.level === l).length }));
    const sorts = Object.fromEntries(
      ['attention', 'name', 'level', 'lastScan', 'regressions', ...capIds.map((c) => `cap:${c}`)].map((s) => [s, sortHref(query, s as never)]),
    );
    return ui.page(req, reply, 'portfolio', {
      title: 'Portfolio',
      section: 'portfolio',
      rows,
      total: tenants.length,
      byLevel,
      unscanned: tenants.filter((t) => t.level === null).length,
      withRegressions: tenants.filter((t) => t.openRegressions > 0).length,
      query,
      sorts,
      capabilities: CAPABILITIES,
      scoreHelp: SCORE_MEANING,
      incompleteScope: tenants.filter((t) => t.scope !== null && !t.scope.complete).length,
      clearHref: portfolioHref(query, { q: '', level: null, status: null, regressions: false }),
      filtered: query.q !== '' || query.level !== null || query.status !== null || query.regressions,
    });
  });

  app.get<{ Params: Params }>('/tenants/:id', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    return tenantPage(ui, req, reply, p);
  });

  app.get<{ Params: Params & { ruleId: string } }>('/tenants/:id/findings/:ruleId', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    const { id, ruleId } = req.params;
    const q = req.query as RawQuery;
    const data = await svc.tenant(p, id);
    if (!data) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
    const scanId = first(q, 'scan') ?? data.report?.scan.id;
    if (!scanId) return ui.notFound(req, reply, 'This tenant has not been scanned yet.');
    const report = data.report && data.report.scan.id === scanId ? data.report : await svc.scan(p, id, scanId);
    if (!report) return ui.notFound(req, reply, 'There is no such scan for this tenant.');
    const finding = report.findings.find((x) => x.ruleId === ruleId);
    if (!finding) return ui.notFound(req, reply, `Scan ${scanId} has no finding for rule ${ruleId}.`);
    const page = pageNumber(q);
    const evidence = await Promise.all(
      finding.evidence.map(async (key) => {
        const e = await svc.evidence(p, id, report.scan.id, key, page, OFFENDER_PAGE_SIZE);
        if (!e) return { key, missing: true as const };
        const listFields = new Set(e.offenders.map((o) => o.field));
        const value = e.evidence.value ?? {};
        // Scalars first; the offender lists get their own paged tables; the `<field>Total` counters stay visible.
        const fields = Object.entries(value)
          .filter(([k]) => !listFields.has(k))
          .map(([k, v]) => ({ name: k, value: v, list: Array.isArray(v) }));
        const offenders = e.offenders.map((o) => {
          const from = o.items.length === 0 ? 0 : (o.page - 1) * o.pageSize + 1;
          const to = from === 0 ? 0 : from + o.items.length - 1;
          const captured = Array.isArray((value as Record<string, unknown>)[o.field]) ? ((value as Record<string, unknown>)[o.field] as unknown[]).length : o.total;
          const lastPage = Math.max(1, Math.ceil(Math.min(o.total, captured) / o.pageSize));
          return { ...o, from, to, captured, lastPage, hasPrev: o.page > 1, hasNext: o.page < lastPage };
        });
        return { key, missing: false as const, evidence: e.evidence, fields, offenders };
      }),
    );
    const latest = data.report?.scan.id === report.scan.id;
    const pageHref = (n: number): string => {
      const params = new URLSearchParams();
      if (!latest) params.set('scan', report.scan.id);
      if (n > 1) params.set('page', String(n));
      const s = params.toString();
      return `/tenants/${encodeURIComponent(id)}/findings/${encodeURIComponent(ruleId)}${s ? `?${s}` : ''}`;
    };
    const roadmap = report.roadmap.find((r) => r.ruleId === ruleId) ?? null;
    const blocking = report.level.blockers.includes(ruleId) || report.level.unknown.includes(ruleId);
    return ui.page(req, reply, 'finding', {
      title: `${finding.title} · ${data.summary.name}`,
      section: 'portfolio',
      summary: data.summary,
      report,
      finding,
      evidence,
      latest,
      page,
      pageHrefs: { prev: pageHref(Math.max(1, page - 1)), next: pageHref(page + 1), first: pageHref(1) },
      roadmap,
      blocking,
    });
  });

  app.get<{ Params: Params }>('/tenants/:id/history', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    const id = req.params.id;
    const q = req.query as RawQuery;
    const data = await svc.tenant(p, id);
    const scans = data ? await svc.scans(p, id, 200) : null;
    if (!data || !scans) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
    const episodes = (await svc.episodes(p, id)) ?? [];
    const tickets = Object.fromEntries(((await svc.episodeTickets?.(p, id)) ?? []).map((t) => [t.episodeId, t]));
    const caps = data.summary.capabilities.length > 0 ? data.summary.capabilities.map((c) => ({ id: c.id, name: c.name })) : [...CAPABILITIES];
    // The newest report's at-risk notices are drawn as dashed projections to their crossing dates.
    const chart = historyChart(scans.slice(0, 120), episodes, caps, ui.now(), data.report?.forecast ?? []);
    const from = first(q, 'from');
    const to = first(q, 'to');
    let diff = null;
    let diffError: string | null = null;
    if (from && to) {
      if (from === to) diffError = 'Pick two different scans to compare.';
      else {
        diff = await svc.diff(p, id, from, to);
        if (!diff) diffError = 'One of those scans does not exist for this tenant.';
      }
    }
    const defaultTo = to ?? scans[0]?.id ?? '';
    const defaultFrom = from ?? scans[1]?.id ?? '';
    return ui.page(req, reply, 'history', {
      title: `History · ${data.summary.name}`,
      section: 'portfolio',
      summary: data.summary,
      scans,
      episodes,
      tickets,
      chart,
      diff,
      diffError,
      pick: { from: defaultFrom, to: defaultTo },
      notice: notice(q),
    });
  });

  app.get<{ Params: Params }>('/tenants/:id/attestations', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    return attestationsPage(ui, req, reply, p, null);
  });

  app.get('/audit', async (req, reply) => {
    const p = ui.signedIn(req, reply);
    if (!p) return reply;
    const entries = await svc.auditLog(p, undefined, 200);
    return ui.page(req, reply, 'audit', { title: 'Audit log', section: 'audit', entries });
  });

  if (ui.tokens) registerTokenPages(app, ui, ui.tokens);

  // ── form posts (technician+) ────────────────────────────────────────────────────────────────────────────────────

  app.post<{ Params: Params }>('/tenants/:id/scan', ui.guard, async (req, reply) => {
    const p = requireTechnician(ui, req, reply);
    if (!p) return reply;
    const result = await svc.scanNow(p, req.params.id);
    if (!result) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
    if (result.queued) return reply.redirect(`/tenants/${encodeURIComponent(req.params.id)}?notice=scan_queued`, 303);
    return tenantPage(ui, req, reply, p, { error: `The scan was not queued: ${result.reason ?? 'the scheduler refused it'}.` }, 409);
  });

  app.post<{ Params: Params & { episodeId: string } }>('/tenants/:id/episodes/:episodeId/acknowledge', ui.guard, async (req, reply) => {
    const p = requireTechnician(ui, req, reply);
    if (!p) return reply;
    const { id, episodeId } = req.params;
    const comment = text(req.body, 'comment').trim();
    const back = text(req.body, 'back') === 'history' ? 'history' : 'tenant';
    if (comment.length === 0 || comment.length > MAX_COMMENT) {
      const ackErrors = { [episodeId]: comment.length === 0 ? 'Say why (what is being done, or why the drop is expected).' : `Keep the comment under ${MAX_COMMENT.toLocaleString('en-US')} characters.` };
      return tenantPage(ui, req, reply, p, { error: 'The regression was not acknowledged: the comment is missing or too long.', ackErrors }, 400);
    }
    let episode: Episode | null;
    try {
      episode = await svc.acknowledge(p, id, episodeId, comment);
    } catch (e) {
      const why = refusal(e);
      if (why === null) throw e;
      return tenantPage(ui, req, reply, p, { error: `The regression was not acknowledged: ${why}` }, (e as { statusCode: number }).statusCode);
    }
    if (!episode) return ui.notFound(req, reply, 'There is no such regression episode for this tenant.');
    const base = `/tenants/${encodeURIComponent(id)}${back === 'history' ? '/history' : ''}`;
    return reply.redirect(`${base}?notice=acknowledged`, 303);
  });

  app.post<{ Params: Params }>('/tenants/:id/attestations', ui.guard, async (req, reply) => {
    const p = requireTechnician(ui, req, reply);
    if (!p) return reply;
    const { form, errors } = validateAttestation(req.body, ui.now());
    if (Object.keys(errors).length > 0) return attestationsPage(ui, req, reply, p, form, errors, 400);
    let saved;
    try {
      saved = await svc.recordAttestation(p, req.params.id, {
        kind: form.kind as AttestationKind,
        note: form.note,
        fileRef: form.fileRef === '' ? null : form.fileRef,
        attestedAt: `${form.attestedAt}T00:00:00.000Z`,
        expiresAt: `${form.expiresAt}T23:59:59.999Z`,
      });
    } catch (e) {
      const why = refusal(e);
      if (why === null) throw e;
      return attestationsPage(ui, req, reply, p, form, { form: why }, (e as { statusCode: number }).statusCode);
    }
    if (!saved) return ui.notFound(req, reply, 'There is no such tenant, or it is outside your scope.');
    return reply.redirect(`/tenants/${encodeURIComponent(req.params.id)}/attestations?notice=attested`, 303);
  });

  app.post<{ Params: Params & { attestationId: string } }>('/tenants/:id/attestations/:attestationId/revoke', ui.guard, async (req, reply) => {
    const p = requireTechnician(ui, req, reply);
    if (!p) return reply;
    let revoked;
    try {
      revoked = await svc.revokeAttestation(p, req.params.id, req.params.attestationId);
    } catch (e) {
      const why = refusal(e);
      if (why === null) throw e;
      return attestationsPage(ui, req, reply, p, null, { revoke: why }, (e as { statusCode: number }).statusCode);
    }
    if (!revoked) return ui.notFound(req, reply, 'There is no such attestation for this tenant.');
    return reply.redirect(`/tenants/${encodeURIComponent(req.params.id)}/attestations?notice=revoked`, 303);
  });
}

interface TokenForm {
  name: string;
  role: string;
  scope: 'all' | 'some';
  tenants: string[];
}

function requireAdmin(ui: Ui, req: FastifyRequest, reply: FastifyReply): Principal | null {
  const p = ui.signedIn(req, reply);
  if (!p) return null;
  if (!hasRole(p, 'admin')) {
    ui.page(req, reply, 'error', { title: 'Not allowed', status: 403, heading: 'Not allowed', message: 'Managing tokens needs the admin role.' }, 403);
    return null;
  }
  return p;
}

function list(body: unknown, name: string): string[] {
  const v = body && typeof body === 'object' ? (body as Body)[name] : undefined;
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x !== '');
}

/** Admin: list, create and revoke API tokens through the backend's token admin (which checks role and scope). */
function registerTokenPages(app: FastifyInstance, ui: Ui, tokens: NonNullable<Ui['tokens']>): void {
  const ROLES: Role[] = ['viewer', 'technician', 'admin'];
  const show = async (req: FastifyRequest, reply: FastifyReply, p: Principal, extra: { created?: { token: string; name: string } | null; form?: TokenForm; error?: string | null; notice?: string | null }, status = 200) => {
    const [all, tenants] = await Promise.all([tokens.list(p), ui.service.tenants(p)]);
    const sorted = [...all].sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));
    return ui.page(
      req,
      reply,
      'tokens',
      {
        title: 'API tokens',
        section: 'tokens',
        tokens: sorted,
        tenants: tenants.map((t) => ({ id: t.id, name: t.name })).sort((a, b) => a.name.localeCompare(b.name)),
        roles: ROLES.filter((r) => hasRole(p, r)),
        form: extra.form ?? { name: '', role: 'viewer', scope: 'all', tenants: [] },
        created: extra.created ?? null,
        error: extra.error ?? null,
        notice: extra.notice ?? (first(req.query as RawQuery, 'notice') === 'revoked' ? 'Token revoked. Its browser sessions ended at once.' : null),
      },
      status,
    );
  };

  app.get('/admin/tokens', async (req, reply) => {
    const p = requireAdmin(ui, req, reply);
    if (!p) return reply;
    return show(req, reply, p, {});
  });

  app.post('/admin/tokens', ui.guard, async (req, reply) => {
    const p = requireAdmin(ui, req, reply);
    if (!p) return reply;
    const form: TokenForm = {
      name: text(req.body, 'name').trim(),
      role: text(req.body, 'role'),
      scope: text(req.body, 'scope') === 'some' ? 'some' : 'all',
      tenants: list(req.body, 'tenants'),
    };
    if (form.name === '' || form.name.length > 100) return show(req, reply, p, { form, error: 'Give the token a label of 1 to 100 characters (who or what uses it).' }, 400);
    if (!(ROLES as string[]).includes(form.role)) return show(req, reply, p, { form, error: 'Choose a role.' }, 400);
    if (form.scope === 'some' && form.tenants.length === 0) return show(req, reply, p, { form, error: 'Pick at least one tenant, or choose all tenants.' }, 400);
    try {
      const created = await tokens.create(p, { name: form.name, role: form.role as Role, tenants: form.scope === 'all' ? null : form.tenants });
      // Shown once, on this response only: no redirect, nothing cached.
      return await show(req, reply, p, { created: { token: created.token, name: created.record.name } }, 201);
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 400 || status === 403) return show(req, reply, p, { form, error: (e as Error).message }, status);
      throw e;
    }
  });

  app.post<{ Params: { tokenId: string } }>('/admin/tokens/:tokenId/revoke', ui.guard, async (req, reply) => {
    const p = requireAdmin(ui, req, reply);
    if (!p) return reply;
    const revoked = await tokens.revoke(p, req.params.tokenId);
    if (!revoked) return ui.notFound(req, reply, 'There is no such token, or it is outside your scope.');
    return reply.redirect('/admin/tokens?notice=revoked', 303);
  });
}
