/**
 * The HaloPSA client against nock: the token request (form, `?tenant=`, a separate Authorisation Server), one
 * bearer token for many calls, array request bodies, the search parameters and the client-side marker check,
 * 404 → null, refusals → PsaRejectedError naming the field to fix, 429 honoured, a timed-out create never sent
 * twice, and no secret in any error message.
 */
import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaRejectedError } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { createHalopsaClient, searchTermOf, tokenPathOf } from './client.js';
import { halopsaConfigSchema, type HalopsaConfigInput } from './config.js';

const BASE = 'https://msp.halopsa.example';
const SECRET = 'super-secret-halo-value-123';
const logger = pino({ level: 'silent' });
const MARKER = '[ratchet:ep-42]';

function client(over: Partial<HalopsaConfigInput> = {}, deps: { timeoutMs?: number } = {}) {
  const config = halopsaConfigSchema.parse({ baseUrl: BASE, clientId: 'app-1', clientSecret: SECRET, ticketTypeId: 21, ...over });
  return createHalopsaClient(config, { logger, backoffBaseMs: 1, maxRetries: 2, ...deps });
}

/** The token endpoint; `seen` collects each form posted to it. */
function tokenEndpoint(seen: Array<Record<string, string>>, path = '/auth/token', origin = BASE) {
  return nock(origin)
    .post(path)
    .query(true)
    .reply(200, (_uri, body) => {
      seen.push(Object.fromEntries(new URLSearchParams(body as string)));
      return { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 };
    })
    .persist();
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('halopsa config', () => {
  it('applies the defaults and refuses plain http or an /api suffix', () => {
    const c = halopsaConfigSchema.parse({ baseUrl: `${BASE}/`, clientId: 'a', clientSecret: 's', ticketTypeId: 1 });
    expect(c).toMatchObject({ baseUrl: BASE, closedStatusId: 9, noteOutcome: 'Private Note' });
    expect(halopsaConfigSchema.safeParse({ baseUrl: 'http://msp.halopsa.example', clientId: 'a', clientSecret: 's', ticketTypeId: 1 }).success).toBe(false);
    expect(halopsaConfigSchema.safeParse({ baseUrl: `${BASE}/api`, clientId: 'a', clientSecret: 's', ticketTypeId: 1 }).success).toBe(false);
    expect(halopsaConfigSchema.safeParse({ baseUrl: BASE, clientId: 'a', clientSecret: 's', ticketTypeId: 1, board: 2 }).success).toBe(false);
  });

  it('builds the token path from authUrl and tenant', () => {
    expect(tokenPathOf({})).toBe('/auth/token');
    expect(tokenPathOf({ tenant: 'acme co' })).toBe('/auth/token?tenant=acme%20co');
    expect(tokenPathOf({ authUrl: 'https://auth.halo.example/auth', tenant: 'acme' })).toBe('https://auth.halo.example/auth/token?tenant=acme');
    expect(searchTermOf(MARKER)).toBe('ratchet:ep-42');
  });
});

describe('halopsa client', () => {
  it('asks for a client-credentials token with scope all and ?tenant=, then reuses it as the bearer', async () => {
    const forms: Array<Record<string, string>> = [];
    const tokenScope = nock(BASE)
      .post('/auth/token')
      .query({ tenant: 'acme' })
      .reply(200, (_uri, body) => {
        forms.push(Object.fromEntries(new URLSearchParams(body as string)));
        return { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 };
      });
    const api = nock(BASE, { reqheaders: { authorization: 'Bearer tok-1' } })
      .get('/api/Tickets/7')
      .reply(200, { id: 7, status_id: 2 })
      .get('/api/Tickets/8')
      .reply(200, { id: 8, status_id: 9 });
    const c = client({ tenant: 'acme' });
    expect(await c.get('7')).toEqual({ id: '7', closed: false });
    expect(await c.get('8')).toEqual({ id: '8', closed: true });
    expect(forms).toEqual([{ grant_type: 'client_credentials', client_id: 'app-1', client_secret: SECRET, scope: 'all' }]);
    expect(tokenScope.isDone() && api.isDone()).toBe(true);
    expect(c.requests).toBe(3);
  });

  it('uses a separate Authorisation Server when authUrl is given', async () => {
    const forms: Array<Record<string, string>> = [];
    tokenEndpoint(forms, '/auth/token', 'https://auth.halo.example');
    nock(BASE).get('/api/Tickets/5').reply(200, { id: 5, status_id: 1 });
    expect(await client({ authUrl: 'https://auth.halo.example/auth' }).get('5')).toEqual({ id: '5', closed: false });
    expect(forms).toHaveLength(1);
  });

  it('returns null for a ticket Halo answers 404 for', async () => {
    tokenEndpoint([]);
    nock(BASE).get('/api/Tickets/404').reply(404, { ClassName: 'NotFoundException', Message: 'Ticket 404 not found' });
    expect(await client().get('404')).toBeNull();
  });

  it('creates a ticket with an array body and reads the id from an object or an array answer', async () => {
    tokenEndpoint([]);
    const bodies: unknown[] = [];
    nock(BASE)
      .post('/api/Tickets')
      .reply(201, (_u, body) => {
        bodies.push(body);
        return { id: 1001, status_id: 1, summary: 'x' };
      })
      .post('/api/Tickets')
      .reply(201, [{ id: 1002, status_id: 1 }]);
    const c = client({ priorityId: 4 });
    const draft = { company: 12345, summary: `Backups failing ${MARKER}`, text: 'plain', html: '<p>html</p>', marker: MARKER };
    expect(await c.create(draft)).toEqual({ id: '1001', closed: false });
    expect(bodies[0]).toEqual([{ summary: draft.summary, details_html: '<p>html</p>', client_id: 12345, tickettype_id: 21, priority_id: 4 }]);
    expect(await c.create(draft)).toEqual({ id: '1002', closed: false });
  });

  it('searches by client and marker text, newest first, and keeps only summaries holding the marker', async () => {
    tokenEndpoint([]);
    let query: Record<string, string> = {};
    nock(BASE)
      .get('/api/Tickets')
      .query((q) => {
        query = q as Record<string, string>;
        return true;
      })
      .reply(200, {
        record_count: 3,
        tickets: [
          { id: 30, summary: 'ratchet:ep-42 mentioned in passing', client_id: 12345, status_id: 1 },
          { id: 20, summary: `Old one ${MARKER}`, client_id: 12345, status_id: 9 },
          { id: 40, summary: `Other client ${MARKER}`, client_id: 999, status_id: 1 },
        ],
      });
    expect(await client().findByMarker(12345, MARKER)).toEqual({ id: '20', closed: true });
    expect(query).toEqual({ client_id: '12345', search: 'ratchet:ep-42', order: 'id', orderdesc: 'true', pageinate: 'true', page_size: '50', page_no: '1' });
  });

  it('reads further pages until record_count, and answers null when nothing matches', async () => {
    tokenEndpoint([]);
    const page = (n: number) => Array.from({ length: n }, (_, i) => ({ id: 500 - i, summary: 'fuzzy', client_id: 1, status_id: 1 }));
    const pages: string[] = [];
    nock(BASE)
      .get('/api/Tickets')
      .query((q) => (pages.push(String(q.page_no)), true))
      .reply(200, { record_count: 60, tickets: page(50) })
      .get('/api/Tickets')
      .query((q) => (pages.push(String(q.page_no)), true))
      .reply(200, { record_count: 60, tickets: [...page(9), { id: 3, summary: `x ${MARKER}`, client_id: 1, status_id: 1 }] });
    expect(await client().findByMarker(1, MARKER)).toEqual({ id: '3', closed: false });
    expect(pages).toEqual(['1', '2']);
    nock(BASE).get('/api/Tickets').query(true).reply(200, { record_count: 0, tickets: [] });
    expect(await client().findByMarker(1, MARKER)).toBeNull();
  });

  it('posts notes and the closing note as hidden actions; close moves the ticket to closedStatusId', async () => {
    tokenEndpoint([]);
    const bodies: unknown[] = [];
    nock(BASE)
      .post('/api/Actions')
      .times(3)
      .reply(201, (_u, body) => {
        bodies.push(body);
        return { id: bodies.length };
      });
    await client().addNote('77', { text: 't', html: '<p>worse</p>' });
    await client({ closedStatusId: 10 }).close('77', { text: 't', html: '<p>fixed</p>' });
    await client({ noteOutcome: 6 }).addNote('77', { text: 't', html: '<p>n</p>' });
    expect(bodies).toEqual([
      [{ ticket_id: 77, note_html: '<p>worse</p>', outcome: 'Private Note', hiddenfromuser: true, sendemail: false }],
      [{ ticket_id: 77, note_html: '<p>fixed</p>', outcome: 'Private Note', hiddenfromuser: true, sendemail: false, new_status: 10 }],
      [{ ticket_id: 77, note_html: '<p>n</p>', outcome_id: 6, hiddenfromuser: true, sendemail: false }],
    ]);
  });

  it('turns a 400 on create into PsaRejectedError naming tenants[].psa.company', async () => {
    tokenEndpoint([]);
    nock(BASE).post('/api/Tickets').reply(400, { ClassName: 'ValidationError', Message: 'Please select a valid Client' });
    const err = await client()
      .create({ company: 99999, summary: `s ${MARKER}`, text: '', html: '', marker: MARKER })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as PsaRejectedError).message).toMatch(/tenants\[\]\.psa\.company/);
    expect((err as PsaRejectedError).status).toBe(400);
  });

  it('turns a missing ticket type on check into PsaRejectedError naming psa.ticketTypeId', async () => {
    tokenEndpoint([]);
    nock(BASE).get('/api/TicketType/21').reply(404, { ClassName: 'NotFoundException', Message: 'Ticket Type 21 not found' });
    const err = await client().check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/psa\.ticketTypeId/);
  });

  it('check passes when the ticket type and the closed status exist', async () => {
    tokenEndpoint([]);
    const s = nock(BASE).get('/api/TicketType/21').reply(200, { id: 21, name: 'Incident' }).get('/api/Status/9').reply(200, { id: 9, name: 'Closed' });
    await client().check();
    expect(s.isDone()).toBe(true);
  });

  it('honours 429 with Retry-After on a create, then succeeds', async () => {
    tokenEndpoint([]);
    let posts = 0;
    nock(BASE)
      .post('/api/Tickets')
      .reply(() => (posts++, [429, 'Too many requests', { 'Retry-After': '1' }]))
      .post('/api/Tickets')
      .reply(() => (posts++, [201, { id: 7, status_id: 1 }]));
    const started = Date.now();
    expect(await client().create({ company: 1, summary: MARKER, text: '', html: '', marker: MARKER })).toEqual({ id: '7', closed: false });
    expect(posts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('never sends a timed-out create again (Halo may have saved it)', async () => {
    tokenEndpoint([]);
    let posts = 0;
    nock(BASE)
      .post('/api/Tickets')
      .times(3)
      .delay(400)
      .reply(() => (posts++, [201, { id: 9, status_id: 1 }]));
    const err = await client({}, { timeoutMs: 100 })
      .create({ company: 1, summary: MARKER, text: '', html: '', marker: MARKER })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('timeout');
    await new Promise((r) => setTimeout(r, 450));
    expect(posts).toBe(1);
  });

  it('maps a refused token request to kind auth without the secret in the message', async () => {
    nock(BASE).post('/auth/token').reply(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    const err = await client().get('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
    expect((err as Error).message).toMatch(/invalid_client/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('keeps the secret and the token out of API error messages', async () => {
    tokenEndpoint([]);
    nock(BASE).post('/api/Actions').reply(500, { ClassName: 'Exception', Message: 'boom' });
    const err = await client().addNote('5', { text: '', html: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('server');
    expect(String((err as Error).message)).not.toContain(SECRET);
    expect(String((err as Error).message)).not.toContain('tok-1');
    expect(JSON.stringify(err)).not.toContain(SECRET);
  });
});
