import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PsaRejectedError } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { ACCEPT, createConnectWiseClient, fitSummary } from './client.js';
import { connectwiseConfigSchema, type ConnectWiseConfigInput } from './config.js';
import { literalSearchTerm, quoted } from './conditions.js';

const SITE = 'https://cw.example.test';
const API = '/v4_6_release/apis/3.0';
const PRIVATE_KEY = 'sUp3rS3cretPrivKey';
const CLIENT_ID = '0b9d3c6e-1f2a-4b5c-8d7e-6f5a4b3c2d1e';
const MARKER = '[ratchet:ep-0123abcd]';
const logger = pino({ level: 'silent' });

function client(extra: Partial<ConnectWiseConfigInput> = {}, deps: { timeoutMs?: number } = {}) {
  const config = connectwiseConfigSchema.parse({ baseUrl: SITE, companyId: 'acme', publicKey: 'pubKey1', privateKey: PRIVATE_KEY, clientId: CLIENT_ID, board: 'Service Desk', ...extra });
  return createConnectWiseClient(config, { logger, backoffBaseMs: 5, maxRetries: 2, ...deps });
}
const api = () => nock(SITE);
const ticket = (id: number, summary: string, closedFlag = false) => ({ id, summary, closedFlag, status: { id: 1, name: closedFlag ? '>Closed' : 'New' }, company: { id: 12345 } });
const invalidTicket = { code: 'InvalidObject', message: 'ticket object is invalid', errors: [{ code: 'InvalidObject', message: 'Company not found', resource: 'ticket', field: 'company' }] };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('connectwise client', () => {
  it('authenticates with Basic companyId+publicKey:privateKey, the clientId header and a pinned Accept version', async () => {
    const expectedAuth = `Basic ${Buffer.from(`acme+pubKey1:${PRIVATE_KEY}`).toString('base64')}`;
    const scope = api()
      .matchHeader('authorization', expectedAuth)
      .matchHeader('clientid', CLIENT_ID)
      .matchHeader('accept', ACCEPT)
      .get(`${API}/service/tickets/4711`)
      .reply(200, ticket(4711, `Backups failing ${MARKER}`, true));
    await expect(client().get('4711')).resolves.toEqual({ id: '4711', closed: true });
    expect(scope.isDone()).toBe(true);
  });

  it('honours apiPath for another codebase', async () => {
    const scope = api().get('/v2024_1/apis/3.0/service/tickets/5').reply(200, ticket(5, 'x'));
    await expect(client({ apiPath: '/v2024_1/apis/3.0/' }).get('5')).resolves.toEqual({ id: '5', closed: false });
    expect(scope.isDone()).toBe(true);
  });

  it('searches by company and the literal part of the marker, newest first, and confirms the exact marker', async () => {
    let seen: Record<string, unknown> = {};
    api()
      .get(`${API}/service/tickets`)
      .query((q) => {
        seen = q;
        return true;
      })
      // The LIKE search can return near misses (conditions.ts); only the exact marker counts.
      .reply(200, [ticket(9, 'Other [ratchet:ep-0123abcdef]'), ticket(7, `Identity slipped ${MARKER}`, false)]);
    await expect(client().findByMarker(12345, MARKER)).resolves.toEqual({ id: '7', closed: false });
    expect(seen).toEqual({ conditions: 'company/id=12345 and summary contains "ratchet:ep-0123abcd"', orderBy: 'id desc', pageSize: '25' });
  });

  it('sends quotes in condition strings escaped and percent-encoded on the wire', async () => {
    let rawPath = '';
    api()
      .get((uri) => {
        rawPath = uri;
        return uri.startsWith(`${API}/service/boards`);
      })
      .reply(200, [{ id: 1, name: 'Help "Desk"' }]);
    await client({ board: 'Help "Desk"' }).check();
    expect(new URL(rawPath, SITE).searchParams.get('conditions')).toBe('name="Help \\"Desk\\""');
    expect(rawPath).toContain('%22');
  });

  it('finds nothing when no summary holds the exact marker', async () => {
    api().get(`${API}/service/tickets`).query(true).reply(200, [ticket(9, 'ratchet:ep-0123abcd without brackets')]);
    await expect(client().findByMarker(12345, MARKER)).resolves.toBeNull();
  });

  it('returns null for a ticket ConnectWise no longer has (404)', async () => {
    api().get(`${API}/service/tickets/99`).reply(404, { code: 'NotFound', message: 'Ticket with id 99 not found' });
    await expect(client().get('99')).resolves.toBeNull();
  });

  it('creates a ticket on the board with the company, initial description, status and priority', async () => {
    let body: Record<string, unknown> = {};
    api()
      .post(`${API}/service/tickets`, (b: Record<string, unknown>) => {
        body = b;
        return true;
      })
      .reply(201, ticket(1001, `Regression ${MARKER}`));
    const ref = await client({ status: 'New', priority: 'Priority 3 - Normal Response' }).create({ company: 12345, summary: `Regression ${MARKER}`, marker: MARKER, text: 'body', html: '<p>body</p>' });
    expect(ref).toEqual({ id: '1001', closed: false });
    expect(body).toEqual({ summary: `Regression ${MARKER}`, board: { name: 'Service Desk' }, company: { id: 12345 }, initialDescription: 'body', status: { name: 'New' }, priority: { name: 'Priority 3 - Normal Response' } });
  });

  it('maps a 400 for an unknown company to PsaRejectedError naming tenants[].psa.company', async () => {
    api().post(`${API}/service/tickets`).reply(400, invalidTicket);
    api().get(`${API}/company/companies/99999`).reply(404, { code: 'NotFound', message: 'not found' });
    api().get(`${API}/service/boards`).query(true).reply(200, [{ id: 1, name: 'Service Desk' }]);
    const err = await client()
      .create({ company: 99999, summary: `x ${MARKER}`, marker: MARKER, text: 't', html: 't' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toContain('ticket object is invalid');
    expect((err as Error).message).toContain('tenants[].psa.company');
    expect((err as Error).message).not.toContain(PRIVATE_KEY);
  });

  it('maps a 400 for an unknown board to PsaRejectedError naming psa.board', async () => {
    api().post(`${API}/service/tickets`).reply(400, { ...invalidTicket, errors: [{ code: 'InvalidObject', message: 'Board not found', resource: 'ticket', field: 'board' }] });
    api().get(`${API}/company/companies/12345`).reply(200, { id: 12345, name: 'Contoso' });
    api().get(`${API}/service/boards`).query(true).reply(200, []);
    const err = await client().create({ company: 12345, summary: `x ${MARKER}`, marker: MARKER, text: 't', html: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/psa\.board/);
    expect((err as Error).message).not.toMatch(/tenants\[\]\.psa\.company/);
  });

  it('honours Retry-After on a 429 for GET and for POST', async () => {
    api().get(`${API}/service/tickets/1`).reply(429, { code: 'TooManyRequests', message: 'slow down' }, { 'Retry-After': '1' });
    api().get(`${API}/service/tickets/1`).reply(200, ticket(1, 'x'));
    let started = Date.now();
    const c = client();
    await expect(c.get('1')).resolves.toEqual({ id: '1', closed: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(c.requests).toBe(2);

    api().post(`${API}/service/tickets/1/notes`).reply(429, { code: 'TooManyRequests', message: 'slow down' }, { 'Retry-After': '1' });
    const second = api().post(`${API}/service/tickets/1/notes`).reply(201, { id: 5, ticketId: 1 });
    started = Date.now();
    await c.addNote('1', { text: 'note', html: '<p>note</p>' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(second.isDone()).toBe(true);
  });

  it('does not send a create again after it timed out (it may have been carried out)', async () => {
    api().post(`${API}/service/tickets`).delay(400).reply(201, ticket(1, `x ${MARKER}`));
    const again = api().post(`${API}/service/tickets`).reply(201, ticket(2, `x ${MARKER}`));
    const c = client({}, { timeoutMs: 100 });
    const err = await c.create({ company: 12345, summary: `x ${MARKER}`, marker: MARKER, text: 't', html: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('timeout');
    expect(c.requests).toBe(1);
    expect(again.isDone()).toBe(false);
  });

  it('closes with an internal note, then a JSON Patch of the status to closedStatus', async () => {
    const bodies: unknown[] = [];
    api()
      .post(`${API}/service/tickets/42/notes`, (b: unknown) => bodies.push(b) > 0)
      .reply(201, { id: 1, ticketId: 42 });
    api()
      .patch(`${API}/service/tickets/42`, (b: unknown) => bodies.push(b) > 0)
      .reply(200, ticket(42, 'x', true));
    await client({ closedStatus: 'Completed' }).close('42', { text: 'recovered', html: '<p>recovered</p>' });
    expect(bodies).toEqual([
      { text: 'recovered', detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false },
      [{ op: 'replace', path: 'status', value: { name: 'Completed' } }],
    ]);
  });

  it('names psa.closedStatus when ConnectWise refuses the closing status', async () => {
    api().post(`${API}/service/tickets/42/notes`).reply(201, { id: 1, ticketId: 42 });
    api().patch(`${API}/service/tickets/42`).reply(400, { ...invalidTicket, errors: [{ code: 'InvalidObject', message: 'Status not found', resource: 'ticket', field: 'status' }] });
    await expect(client().close('42', { text: 'n', html: 'n' })).rejects.toThrow(/psa\.closedStatus/);
  });

  it('check fails naming psa.board when the board is not there', async () => {
    api().get(`${API}/service/boards`).query({ conditions: 'name="Service Desk"', pageSize: '1' }).reply(200, []);
    await expect(client().check()).rejects.toThrow(PsaRejectedError);
  });

  it('keeps secrets out of error messages (401)', async () => {
    api().get(`${API}/service/boards`).query(true).reply(401, { code: 'Unauthorized', message: 'Unauthorized' });
    const err = await client().check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    expect(text).not.toContain(PRIVATE_KEY);
    expect(text).not.toContain(Buffer.from(`acme+pubKey1:${PRIVATE_KEY}`).toString('base64'));
  });
});

describe('connectwise helpers and config', () => {
  it('searches only the part of a marker that LIKE matches literally', () => {
    expect(literalSearchTerm('[ratchet:ep-0123abcd]')).toBe('ratchet:ep-0123abcd');
    expect(literalSearchTerm('[ratchet:ep_12%ab]')).toBe('ratchet:ep');
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('shortens a long summary but keeps the marker at its end', () => {
    const s = fitSummary(`${'x'.repeat(120)} ${MARKER}`, MARKER);
    expect(s.length).toBeLessThanOrEqual(100);
    expect(s.endsWith(` ${MARKER}`)).toBe(true);
    expect(fitSummary(`short ${MARKER}`, MARKER)).toBe(`short ${MARKER}`);
  });

  it('refuses http, an API path in baseUrl and a clientId that is not a GUID; applies defaults', () => {
    const base = { companyId: 'acme', publicKey: 'p', privateKey: 'k', clientId: CLIENT_ID, board: 'B' };
    expect(connectwiseConfigSchema.safeParse({ ...base, baseUrl: 'http://cw.example.test' }).success).toBe(false);
    expect(connectwiseConfigSchema.safeParse({ ...base, baseUrl: `${SITE}${API}` }).success).toBe(false);
    expect(connectwiseConfigSchema.safeParse({ ...base, baseUrl: SITE, clientId: 'not-a-guid' }).success).toBe(false);
    expect(connectwiseConfigSchema.safeParse({ ...base, baseUrl: SITE, extra: 1 }).success).toBe(false);
    const parsed = connectwiseConfigSchema.parse({ ...base, baseUrl: `${SITE}/` });
    expect(parsed).toMatchObject({ baseUrl: SITE, apiPath: API, closedStatus: '>Closed' });
    expect(connectwiseConfigSchema.parse(parsed)).toEqual(parsed);
  });
});
