/**
 * *Download report* on the tenant page (report-download.ts) through the real server, auth and UI: the PDF and HTML
 * as attachments, the period parameter, and access — anonymous refused, a token scoped to another tenant sees 404
 * exactly as for that tenant's page (the codebase never reveals which out-of-scope tenants exist).
 */
import { describe, expect, it } from 'vitest';
import { fixturesClosedAfterEach } from '../test-support.js';
import { uiPlugin } from './index.js';

const fixture = fixturesClosedAfterEach();

describe('GET /tenants/:id/report.pdf', () => {
  it('sends the client report PDF as an attachment to a viewer', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const res = await f.as('viewer', { method: 'GET', url: '/tenants/contoso/report.pdf?period=2025-Q1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="maturity-report-contoso-q1-2025.pdf"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('renders HTML for a month', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const res = await f.as('viewerContoso', { method: 'GET', url: '/tenants/contoso/report.html?period=2025-01' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="maturity-report-contoso-january-2025.html"');
    expect(res.payload).toContain('Contoso Ltd');
  });

  it('refuses anonymous requests: 401 for a client, the sign-in page for a browser', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const api = await f.as(null, { method: 'GET', url: '/tenants/contoso/report.pdf' });
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-type']).not.toBe('application/pdf');
    const browser = await f.as(null, { method: 'GET', url: '/tenants/contoso/report.pdf', headers: { accept: 'text/html' } });
    expect([302, 303]).toContain(browser.statusCode);
    expect(browser.headers.location).toMatch(/^\/login\?next=/);
  });

  it('a token scoped to another tenant gets 404, as for the tenant page itself', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const page = await f.as('viewerContoso', { method: 'GET', url: '/tenants/fabrikam' });
    const res = await f.as('viewerContoso', { method: 'GET', url: '/tenants/fabrikam/report.pdf?period=2025-Q1' });
    expect(page.statusCode).toBe(404);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).not.toBe('application/pdf');
    expect(res.headers['content-disposition']).toBeUndefined();
  });

  it('says what is wrong with a bad period or a period without scans', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const bad = await f.as('viewer', { method: 'GET', url: '/tenants/contoso/report.pdf?period=Q9' });
    expect(bad.statusCode).toBe(400);
    expect(bad.payload).toContain('period Q9: expected a quarter (2026-Q4)');
    const empty = await f.as('viewer', { method: 'GET', url: '/tenants/contoso/report.pdf?period=2024-Q2' });
    expect(empty.statusCode).toBe(404);
    expect(empty.payload).toContain('has no scan in');
  });

  it('the tenant page offers the download', async () => {
    const f = await fixture({ deps: { ui: uiPlugin } });
    const res = await f.as('viewer', { method: 'GET', url: '/tenants/contoso' });
    expect(res.statusCode).toBe(200);
    expect(res.payload).toContain('action="/tenants/contoso/report.pdf"');
    expect(res.payload).toContain('Download report');
  });
});
