/**
 * The web UI's pages and form posts against a fake WebService inside a stand-in backend (fake-app.ts): rendering,
 * escaping of hostile tenant data, no inline script or style anywhere, roles, scoping, CSRF, the post/redirect/get
 * flows, offender paging, assets and 404s. The browser test (browser.test.ts) drives the real stack.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/domain/principal.js';
import type { UiToken, UiTokenAdmin } from '../../src/web/ui/index.js';
import { applyPortfolio, parsePortfolioQuery } from '../../src/web/ui/portfolio.js';
import { historyChart, sparkline } from '../../src/web/ui/chart.js';
import { CSP, fakeApp } from './fake-app.js';
import { FakeWebService, fixtureTenants, HOSTILE } from './fake-service.js';

const TECH = { 'x-test-token': 'tok-tech', accept: 'text/html' };
const VIEWER = { 'x-test-token': 'tok-viewer', accept: 'text/html' };
const SCOPED = { 'x-test-token': 'tok-scoped', accept: 'text/html' };

/** Every start tag of the document. */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** Inline script, inline style and inline event handlers are all refused by the CSP; none may appear. */
function inlineViolations(html: string): string[] {
  return tags(html).filter((tag) => {
    // Attribute values are escaped text (a hostile name may contain "onerror="); look at the attribute names only.
    const t = tag.replace(/"[^"]*"/g, '""');
    return /^<script(?![^>]*\ssrc=)/i.test(t) || /\sstyle\s*=/i.test(t) || /\son[a-z]+\s*=/i.test(t) || /^<style/i.test(t) || /(href|src|action)="\s*javascript:/i.test(tag);
  });
}

function csrfFrom(res: LightMyRequestResponse): { token: string; cookie: string } {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  const setCookie = [res.headers['set-cookie']].flat().filter((x): x is string => typeof x === 'string');
  const cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
  if (!token || !cookie) throw new Error('no CSRF token on the page');
  return { token, cookie };
}

describe('web UI pages (fake service)', () => {
  let app: FastifyInstance;
  let service: FakeWebService;

  beforeAll(async () => {
    service = new FakeWebService();
    app = await fakeApp(service);
  });
  afterAll(async () => {
    await app.close();
  });

  const get = (url: string, headers: Record<string, string> = TECH) => app.inject({ method: 'GET', url, headers });

  async function post(pageUrl: string, action: string, fields: Record<string, string | string[]>, headers: Record<string, string> = TECH): Promise<LightMyRequestResponse> {
    const page = await get(pageUrl, headers);
    const { token, cookie } = csrfFrom(page);
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...fields, _csrf: token })) for (const x of [v].flat()) body.append(k, x);
    return app.inject({ method: 'POST', url: action, headers: { ...headers, cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
  }

  it('sends a signed-out visitor to the sign-in form, which carries the CSRF token and the destination', async () => {
    const res = await get('/tenants/contoso/history', { accept: 'text/html' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Ftenants%2Fcontoso%2Fhistory');
    const login = await get(res.headers.location as string, { accept: 'text/html' });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('action="/login"');
    expect(login.body).toContain('name="token"');
    expect(login.body).toContain('value="/tenants/contoso/history"');
    expect(login.body).toMatch(/name="_csrf" value="[^"]+"/);
    const csp = String(login.headers['content-security-policy']).split(';').map((d) => d.trim());
    expect(csp).toEqual(CSP.split(';').map((d) => d.trim()));
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('never redirects off-site after sign-in', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await get(`/login?next=${encodeURIComponent(next)}`, { accept: 'text/html' });
      expect(res.body).toContain('name="next" value="/"');
    }
  });

  it('lists every tenant with level, scores, sparkline, regressions first, last scan and status', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    const rows = res.body.split('<tr').slice(2);
    // Default order: open regressions first (contoso), then the failed/partial last scans (fabrikam).
    expect(rows[0]).toContain('Contoso Ltd');
    expect(rows[1]).toContain('Fabrikam Inc');
    expect(res.body).toContain('class="sparkline"');
    expect(res.body).toContain('NewCo (not scanned)');
    expect(res.body).toMatch(/class="count-bad"[^>]*>1</);
    expect(res.body).toContain('status-partial');
    expect(res.body).toContain('level lvl-4');
  });

  it('filters and sorts from the query string', async () => {
    const l4 = await get('/?level=4');
    expect(l4.body).toContain('Tailspin Toys');
    expect(l4.body).not.toContain('Fabrikam Inc</a>');
    const q = await get('/?q=fabri');
    expect(q.body).toContain('Fabrikam Inc</a>');
    expect(q.body).not.toContain('Contoso Ltd</a>');
    const reg = await get('/?regressions=open');
    expect(reg.body).toContain('Contoso Ltd</a>');
    expect(reg.body).not.toContain('Tailspin Toys</a>');
    const byName = await get('/?sort=name&dir=desc');
    const names = [...byName.body.matchAll(/class="tenant-link">([^<]+)</g)].map((m) => m[1]);
    expect(names.slice(0, 3)).toEqual(['Tailspin Toys', 'NewCo (not scanned)', 'Fabrikam Inc']);
    const none = await get('/?q=zzz');
    expect(none.body).toContain('No tenant matches these filters');
  });

  it('renders hostile tenant data as text on every page and has no inline script, style or handler', async () => {
    const pages = [
      '/',
      '/tenants/evil',
      '/tenants/evil/findings/device-compliance',
      '/tenants/evil/findings/mfa-user-coverage',
      '/tenants/evil/history',
      '/tenants/contoso',
      '/tenants/contoso/findings/mfa-user-coverage',
      '/tenants/contoso/history?from=scan-contoso-0020&to=scan-contoso-0029',
      '/tenants/contoso/attestations',
      '/audit',
      '/login',
      '/no-such-page',
    ];
    for (const url of pages) {
      const res = await get(url, url === '/login' ? { accept: 'text/html' } : TECH);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body, url).not.toContain('<script>window.__pwned');
      expect(res.body, url).not.toContain('<img src=x');
      expect(inlineViolations(res.body), url).toEqual([]);
    }
    const evidence = await get('/tenants/evil/findings/device-compliance');
    expect(evidence.body).toContain('&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(evidence.body).toContain('<title>Intune-managed devices are compliant · &lt;img');
  });

  it('explains the level, groups findings by capability, and lists the roadmap', async () => {
    const res = await get('/tenants/contoso');
    expect(res.body).toContain('Why level 2');
    expect(res.body).toMatch(/Level 3 \(Defined\) is blocked by 3 gates/);
    expect(res.body).toContain('id="cap-identity"');
    expect(res.body).toContain('37 of 50 enabled members registered (74 %)');
    expect(res.body).toContain('≥ 90 %');
    expect(res.body).toContain('Fix mfa-user-coverage');
    expect(res.body).toContain('Roadmap');
    expect(res.body).toContain('13 members still to register');
    expect(res.body).toContain('Open regressions');
    const problems = await get('/tenants/contoso?show=problems');
    expect(problems.body).not.toContain('>Rule backup-success</a>');
    expect(problems.body).toContain('>Rule mfa-enforced</a>');
    expect(res.body).toContain('>Rule backup-success</a>');
  });

  it('puts failures first in each capability and folds passing and not-applicable gates into a collapsed list', async () => {
    const res = await get('/tenants/contoso');
    const groups = res.body.split('<section class="finding-group"').slice(1).map((g) => g.slice(0, g.indexOf('</section>')));
    expect(groups.length).toBeGreaterThan(1);
    let folded = 0;
    for (const group of groups) {
      const details = group.indexOf('<details class="settled-findings">');
      const problems = details === -1 ? group : group.slice(0, details);
      // Nothing passing or not applicable above the fold.
      expect(problems).not.toMatch(/finding-row oc-(pass|not-applicable)-row/);
      // A fail leads: no partial or unknown row comes before the first fail.
      const rows = [...problems.matchAll(/finding-row ([a-z-]+)-row/g)].map((m) => m[1]);
      if (rows.includes('oc-fail')) expect(rows[0]).toBe('oc-fail');
      if (details !== -1) {
        folded += 1;
        // Collapsed by default (no `open`), with its count, holding only passing and not-applicable rows.
        expect(group.slice(details)).toMatch(/^<details class="settled-findings">\s*<summary>(\d+) passing or not applicable<\/summary>/);
        const inside = [...group.slice(details).matchAll(/finding-row ([a-z-]+)-row/g)].map((m) => m[1]);
        expect(inside.length).toBe(Number(/<summary>(\d+) passing/.exec(group)![1]));
        expect(inside.every((o) => o === 'oc-pass' || o === 'oc-not-applicable')).toBe(true);
      }
    }
    expect(folded).toBeGreaterThan(0);
    const recovery = groups.find((g) => g.includes('>Rule backup-success</a>'))!;
    expect(recovery.indexOf('>Rule backup-success</a>')).toBeGreaterThan(recovery.indexOf('<details class="settled-findings">'));
    // ?show=problems leaves the passing list out entirely.
    const only = await get('/tenants/contoso?show=problems');
    expect(only.body).not.toContain('settled-findings');
  });

  it('shows beside the level what it rests on and its scope: out of scope with the reason, unassessed with what to connect', async () => {
    const out = await get('/tenants/tailspin');
    const head = out.body.slice(out.body.indexOf('class="tenant-head"'), out.body.indexOf('</section>', out.body.indexOf('class="tenant-head"')));
    expect(head).toContain('Rests on:</span> level 4 (Quantitatively Managed) is the weakest in-scope capability');
    expect(head).toContain('<li class="scope-line scope-out-of-scope">Backup &amp; recovery: out of scope — backup run by the client&#39;s own provider</li>');
    expect(head).toContain('scope complete');
    // The out-of-scope capability says so instead of a score.
    const card = /<li class="card[^"]*" data-scope="out_of_scope">[\s\S]*?<\/li>/.exec(out.body)?.[0] ?? '';
    expect(card).toContain('Backup &amp; recovery');
    expect(card).toContain('out of scope: backup run by the client&#39;s own provider');
    expect(card).not.toContain('big-num');

    const unassessed = await get('/tenants/fabrikam');
    expect(unassessed.body).toContain('<li class="scope-line scope-unassessed">Backup &amp; recovery: unassessed — connect a backup product (config section backup); until then it counts as level 1</li>');
    expect(unassessed.body).not.toContain('scope complete');
    const ucard = /<li class="card[^"]*" data-scope="unassessed">[\s\S]*?<\/li>/.exec(unassessed.body)?.[0] ?? '';
    expect(ucard).toContain('>unassessed<');
    expect(ucard).toContain('not assessed: connect a backup product (config section backup)');
    expect(ucard).not.toContain('big-num');
  });

  it('shows per capability its score with what the score means and the gates passed per level', async () => {
    const res = await get('/tenants/tailspin');
    expect(res.body).toContain('id="score-help"');
    expect(res.body).toContain('level 3 = 50–74.9');
    const identity = /<li class="card" data-scope="assessed">\s*<a class="card-link" href="#cap-identity">[\s\S]*?<\/li>/.exec(res.body)?.[0] ?? '';
    expect(identity).toMatch(/class="card-score" title="Banded by level: 25 per level above 1 plus progress/);
    expect(identity).toContain('<span class="muted">Gates</span> L2 2/2 · L3 2/2 · L4 2/2 · L5 1/2');
    expect(identity).toContain('title="level 2: 2 of 2 gates pass; level 3: 2 of 2 gates pass');
    // The findings group of a capability repeats its gates; an unassessed one is marked instead.
    expect(res.body).toMatch(/id="cap-h-identity">Identity &amp; access <span class="level lvl-4">L4<\/span> <span class="gates small muted">gates L2 2\/2 · L3 2\/2/);
    expect((await get('/tenants/fabrikam')).body).toMatch(/id="cap-h-recovery">Backup &amp; recovery <span class="level lvl-1">L1<\/span> <span class="tag scope-tag scope-unassessed" title="not assessed: connect a backup product \(config section backup\)">unassessed<\/span>/);
  });

  it('marks the scope on the portfolio row: incomplete scope, out of scope with the reason', async () => {
    const res = await get('/');
    const row = (name: string) => res.body.split('<tr').find((r) => r.includes(`class="tenant-link">${name}<`)) ?? '';
    expect(row('Fabrikam Inc')).toContain('>incomplete scope: recovery</span>');
    expect(row('Fabrikam Inc')).toContain('title="Backup &amp; recovery: unassessed — connect a backup product (config section backup)">unassessed</span>');
    expect(row('Tailspin Toys')).toContain('>out of scope: recovery</span>');
    expect(row('Tailspin Toys')).toContain('title="Out of scope: Backup &amp; recovery — backup run by the client&#39;s own provider"');
    expect(row('Tailspin Toys')).toContain('title="Rests on: level 4 (Quantitatively Managed)');
    expect(row('Contoso Ltd')).not.toContain('scope-mark');
    expect(res.body).toContain('1 tenant with an incomplete scope');
  });

  it('renders a report stored before scope existed (no level.scope, restsOn, capability scope or gates)', async () => {
    const tenants = fixtureTenants();
    const old = tenants.find((t) => t.id === 'tailspin')!.scans.at(-1)!.report;
    delete old.level.scope;
    delete old.level.restsOn;
    old.capabilities = old.capabilities.map((c) => ({ id: c.id, name: c.name, level: c.level, potential: c.potential, score: c.score, coverage: c.coverage, ...(c.id === 'recovery' ? { assessed: false } : {}) }));
    const oldApp = await fakeApp(new FakeWebService(tenants));
    try {
      const res = await oldApp.inject({ method: 'GET', url: '/tenants/tailspin', headers: TECH });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Scope not recorded: this scan was stored before scope existed');
      expect(res.body).not.toContain('Rests on:');
      expect(res.body).not.toContain('card-gates');
      expect(res.body).toMatch(/data-scope="not_assessed">[\s\S]*?not assessed: no source configured/);
      expect(res.body).toMatch(/href="#cap-identity">[\s\S]*?class="big-num">\d/);
      const portfolio = await oldApp.inject({ method: 'GET', url: '/', headers: TECH });
      expect(portfolio.statusCode).toBe(200);
      expect(portfolio.body.split('<tr').find((r) => r.includes('Tailspin Toys'))).not.toContain('scope-mark');
    } finally {
      await oldApp.close();
    }
  });

  it('shows the reason of a not-applicable finding (the alternative evidence used) on the tenant and finding pages', async () => {
    const tenant = await get('/tenants/tailspin');
    const row = tenant.body.split('<tr').find((r) => r.includes('>Rule backup-success</a>')) ?? '';
    expect(row).toContain('Not applicable');
    expect(row).toContain('<span class="sub">Why: not_configured</span>');
    const finding = await get('/tenants/tailspin/findings/backup-success');
    expect(finding.statusCode).toBe(200);
    expect(finding.body).toContain('<dt>Why it is not applicable</dt><dd>not_configured</dd>');
  });

  it("opens a finding's evidence with source, time and paged offenders", async () => {
    const res = await get('/tenants/contoso/findings/mfa-user-coverage');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('/reports/authenticationMethods/userRegistrationDetails');
    expect(res.body).toContain('datetime="2026-02-28T06:00:30.000Z"');
    expect(res.body).toContain('Showing 1–50 of 127');
    expect(res.body).toContain('the collector keeps the first 120 names');
    expect(res.body).toContain('user0000@contoso.example');
    expect(res.body).toContain('rel="next" href="/tenants/contoso/findings/mfa-user-coverage?page=2');
    const p3 = await get('/tenants/contoso/findings/mfa-user-coverage?page=3');
    expect(p3.body).toContain('Showing 101–120 of 127');
    expect(p3.body).toContain('user0119@contoso.example');
    expect(p3.body).not.toContain('rel="next"');
    const old = await get('/tenants/contoso/findings/mfa-user-coverage?scan=scan-contoso-0003');
    expect(old.body).toContain('You are looking at an older scan');
    expect((await get('/tenants/contoso/findings/no-such-rule')).statusCode).toBe(404);
    expect((await get('/tenants/contoso/findings/mfa-user-coverage?scan=nope')).statusCode).toBe(404);
  });

  it('draws the history chart with episodes and compares two scans', async () => {
    const res = await get('/tenants/contoso/history?from=scan-contoso-0020&to=scan-contoso-0029');
    expect(res.body).toContain('<svg class="history-chart"');
    expect(res.body).toMatch(/class="episode-band ep-regression ep-confirmed"/);
    expect(res.body).toMatch(/class="episode-band ep-visibility ep-closed"/);
    expect(res.body).toContain('pt-failed');
    expect(res.body).toContain('pt-partial');
    expect(res.body).toContain('Level <span class="level lvl-3">L3</span> → <span class="level lvl-2">L2</span>');
    expect(res.body).toContain('Rules that changed');
    const same = await get('/tenants/contoso/history?from=scan-contoso-0020&to=scan-contoso-0020');
    expect(same.body).toContain('Pick two different scans');
  });

  it('hides every action from a viewer and refuses their posts', async () => {
    for (const url of ['/tenants/contoso', '/tenants/contoso/history', '/tenants/contoso/attestations']) {
      const res = await get(url, VIEWER);
      const posts = [...res.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]);
      expect(posts, url).toEqual(['/logout']);
    }
    const res = await post('/tenants/contoso', '/tenants/contoso/scan', {}, VIEWER);
    expect(res.statusCode).toBe(403);
    expect(service.scanRequests).toEqual([]);
  });

  it('hides tenants outside the principal scope (404, not 403)', async () => {
    const portfolio = await get('/', SCOPED);
    expect(portfolio.body).toContain('Fabrikam Inc</a>');
    expect(portfolio.body).not.toContain('Contoso Ltd</a>');
    for (const url of ['/tenants/contoso', '/tenants/contoso/history', '/tenants/contoso/attestations', '/tenants/contoso/findings/mfa-user-coverage']) {
      expect((await get(url, SCOPED)).statusCode, url).toBe(404);
    }
  });

  it('queues a scan only with a valid CSRF token', async () => {
    const page = await get('/tenants/tailspin');
    const { cookie } = csrfFrom(page);
    const forged = await app.inject({ method: 'POST', url: '/tenants/tailspin/scan', headers: { ...TECH, cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=forged' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('Form expired');
    expect(service.scanRequests).toEqual([]);
    const ok = await post('/tenants/tailspin', '/tenants/tailspin/scan', {});
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/tenants/tailspin?notice=scan_queued');
    expect(service.scanRequests).toEqual(['tailspin']);
    expect((await get('/tenants/tailspin?notice=scan_queued')).body).toContain('Scan queued.');
    const busy = await post('/tenants/fabrikam', '/tenants/fabrikam/scan', {});
    expect(busy.statusCode).toBe(409);
    expect(busy.body).toContain('The scan was not queued: a scan of fabrikam is already running.');
  });

  it('acknowledges a regression with a comment', async () => {
    const empty = await post('/tenants/contoso', '/tenants/contoso/episodes/ep-contoso-1/acknowledge', { comment: '  ', back: 'tenant' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('aria-invalid="true"');
    const res = await post('/tenants/contoso', '/tenants/contoso/episodes/ep-contoso-1/acknowledge', { comment: `Client is migrating MFA provider ${HOSTILE}`, back: 'history' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/tenants/contoso/history?notice=acknowledged');
    const page = await get('/tenants/contoso');
    expect(page.body).toContain('Acknowledged by <strong>alice@msp</strong>');
    expect(page.body).toContain('Client is migrating MFA provider &lt;img');
    expect(service.audit[0]).toMatchObject({ action: 'episode.acknowledge', actor: 'alice@msp', tenantId: 'contoso' });
  });

  it('records, lists and revokes attestations; expired ones show as expired', async () => {
    const before = await get('/tenants/contoso/attestations');
    expect(before.body).toContain('att att-expired');
    expect(before.body).toContain('Restore of FS01 tested &lt;img');
    const bad = await post('/tenants/contoso/attestations', '/tenants/contoso/attestations', { kind: 'nonsense', note: '', attestedAt: '2026-13-01', expiresAt: '2020-01-01', fileRef: '' });
    expect(bad.statusCode).toBe(400);
    for (const msg of ['Choose what is being attested.', 'Describe the evidence', 'Enter the date as YYYY-MM-DD.']) expect(bad.body).toContain(msg);
    const res = await post('/tenants/contoso/attestations', '/tenants/contoso/attestations', {
      kind: 'strategy_review',
      note: 'Quarterly strategy review held with the CFO.',
      fileRef: 'https://docs.example/contoso/qbr-2026-q1.pdf',
      attestedAt: '2026-02-20',
      expiresAt: '2026-05-20',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/tenants/contoso/attestations?notice=attested');
    const rec = service.attestationList.find((a) => a.kind === 'strategy_review')!;
    expect(rec).toMatchObject({ author: 'alice@msp', attestedAt: '2026-02-20T00:00:00.000Z', expiresAt: '2026-05-20T23:59:59.999Z', fileRef: 'https://docs.example/contoso/qbr-2026-q1.pdf' });
    const after = await get('/tenants/contoso/attestations?notice=attested');
    expect(after.body).toContain('Attestation recorded.');
    expect(after.body).toContain('Quarterly strategy review held with the CFO.');
    expect(after.body).toContain('attestation.record');
    const revoke = await post('/tenants/contoso/attestations', `/tenants/contoso/attestations/${rec.id}/revoke`, {});
    expect(revoke.statusCode).toBe(303);
    expect(service.attestationList.find((a) => a.id === rec.id)!.revokedBy).toBe('alice@msp');
    expect((await get('/tenants/contoso/attestations')).body).toMatch(/att att-revoked">Revoked/);
  });

  it('answers unknown pages with an HTML 404 for browsers and JSON for API clients', async () => {
    const html = await get('/nope');
    expect(html.statusCode).toBe(404);
    expect(html.body).toContain('<h1>Not found</h1>');
    const api = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const json = await app.inject({ method: 'GET', url: '/nope', headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({ statusCode: 404 });
    expect((await get('/tenants/nope')).statusCode).toBe(404);
  });

  it('serves assets with long caching for versioned URLs and ETags', async () => {
    const page = await get('/');
    const href = /href="(\/assets\/ui\.css\?v=[0-9a-f]+)"/.exec(page.body)![1]!;
    const css = await get(href);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const again = await app.inject({ url: '/assets/ui.css', headers: { 'if-none-match': css.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/..%2Findex.ts')).statusCode).toBe(404);
    expect((await get('/assets/index.ts')).statusCode).toBe(404);
  });
});

describe('admin token page', () => {
  it('lists, creates (showing the token once) and revokes tokens for admins only', async () => {
    const tokens: UiToken[] = [
      { id: 'aaaaaaaaaaaa', name: 'psa-integration', role: 'viewer', tenants: null, createdAt: '2026-01-01T00:00:00Z', createdBy: 'root', lastUsedAt: null, revokedAt: null, revokedBy: null },
    ];
    const admin: UiTokenAdmin = {
      list: async () => tokens,
      create: async (_p: Principal, input) => {
        const record: UiToken = { id: 'bbbbbbbbbbbb', name: input.name, role: input.role, tenants: input.tenants ?? null, createdAt: '2026-03-01T00:00:00Z', createdBy: 'admin', lastUsedAt: null, revokedAt: null, revokedBy: null };
        tokens.push(record);
        return { token: 'rtk_bbbbbbbbbbbb_secret', record };
      },
      revoke: async (_p, id) => {
        const t = tokens.find((x) => x.id === id);
        if (t) Object.assign(t, { revokedAt: '2026-03-01T00:00:00Z', revokedBy: 'admin' });
        return t ?? null;
      },
    };
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (req) => {
      const role = req.headers['x-role'];
      (req as unknown as { principal: Principal | null }).principal =
        role === 'admin' || role === 'technician' ? { via: 'token', tokenId: 'zzzzzzzzzzzz', person: null, name: `${role}@msp`, role, tenants: null } : null;
    });
    const { uiPlugin } = await import('../../src/web/ui/index.js');
    await app.register(uiPlugin, { service: new FakeWebService(), csrf: false, tokens: admin });
    const tech = await app.inject({ url: '/admin/tokens', headers: { 'x-role': 'technician', accept: 'text/html' } });
    expect(tech.statusCode).toBe(403);
    expect(tech.body).not.toContain('psa-integration');
    const list = await app.inject({ url: '/admin/tokens', headers: { 'x-role': 'admin', accept: 'text/html' } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('psa-integration');
    expect(list.body).toContain('href="/admin/tokens"');
    const created = await app.inject({
      method: 'POST',
      url: '/admin/tokens',
      headers: { 'x-role': 'admin', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=alice%40msp&role=technician&scope=some&tenants=contoso&tenants=fabrikam',
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toContain('value="rtk_bbbbbbbbbbbb_secret"');
    expect(tokens[1]).toMatchObject({ name: 'alice@msp', role: 'technician', tenants: ['contoso', 'fabrikam'] });
    const revoked = await app.inject({ method: 'POST', url: '/admin/tokens/aaaaaaaaaaaa/revoke', headers: { 'x-role': 'admin', 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(revoked.statusCode).toBe(303);
    expect(tokens[0]!.revokedBy).toBe('admin');
    await app.close();
  });
});

describe('portfolio sorting and chart geometry', () => {
  it('sorts unscanned tenants last and keeps regressions first by default', async () => {
    const service = new FakeWebService();
    const all = await service.tenants({ via: 'token', tokenId: 'x', person: null, name: 'x', role: 'viewer', tenants: null });
    const byLevel = applyPortfolio(all, parsePortfolioQuery({ sort: 'level', dir: 'desc' }, ['identity']));
    expect(byLevel.map((t) => t.id)).toEqual(['tailspin', 'contoso', 'fabrikam', 'evil', 'newco']);
    const byScore = applyPortfolio(all, parsePortfolioQuery({ sort: 'cap:identity' }, ['identity']));
    expect(byScore[byScore.length - 1]!.id).toBe('newco');
    expect(parsePortfolioQuery({ sort: 'cap:nope', level: '9', status: 'weird' }, ['identity'])).toMatchObject({ sort: 'attention', level: null, status: null });
  });

  it('breaks the sparkline at failed scans and the chart maps levels and scores into the plot', () => {
    const s = sparkline([
      { at: '2026-01-01T00:00:00Z', level: 2, status: 'complete' },
      { at: '2026-01-02T00:00:00Z', level: 3, status: 'failed' },
      { at: '2026-01-03T00:00:00Z', level: 3, status: 'complete' },
    ]);
    expect(s.path.match(/M/g)).toHaveLength(2);
    expect(s.dots.map((d) => d.cls)).toEqual(['spark-failed', 'spark-last']);
    const chart = historyChart([], [], [{ id: 'identity', name: 'Identity & access' }]);
    expect(chart.empty).toBe(true);
  });
});
