/**
 * The Autotask client against nock: zone discovery first, then every call on the zone URL with the three headers;
 * the query filter it sends; unknown ids; refusals explained by looking the references up; throttling; a create
 * that timed out is not sent twice; no secret in any error; a zone that is not https is refused.
 */
import nock from 'nock';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PsaRejectedError, type PsaClient } from '../../src/collector-kit/psa-provider.js';
import { VendorHttpError } from '../../src/http/errors.js';
import { createAutotaskClient, DESCRIPTION_MAX } from './client.js';
import { autotaskConfigSchema } from './config.js';

const LOOKUP = 'https://webservices.autotask.net';
const ZONE = 'https://webservices5.autotask.net';
const SECRET = 'top-secret-Secret-value';
const CODE = 'TRACKINGCODE-xyz';
const logger = pino({ level: 'silent' });
const draft = { company: 174, summary: 'Backups failing [ratchet:ep-1]', marker: '[ratchet:ep-1]', text: 'body', html: '<p>body</p>' };

function config(extra: Record<string, unknown> = {}) {
  return autotaskConfigSchema.parse({ userName: 'api@msp.example', secret: SECRET, integrationCode: CODE, queueId: 8, ...extra });
}

function client(extra: Record<string, unknown> = {}, deps: { timeoutMs?: number } = {}): PsaClient {
  return createAutotaskClient(config(extra), { logger, backoffBaseMs: 1, maxRetries: 2, ...deps });
}

/** The zone lookup, answered once. */
function zoneLookup(url = `${ZONE}/atservicesrest/`) {
  return nock(LOOKUP)
    .get('/atservicesrest/v1.0/ZoneInformation')
    .query({ user: 'api@msp.example' })
    .reply(200, { zoneName: 'America East 5', url, webUrl: 'https://ww5.autotask.net/', ci: 12 });
}

/** The zone API, requiring the three headers. */
function zone() {
  return nock(`${ZONE}/atservicesrest/v1.0`, { reqheaders: { ApiIntegrationCode: CODE, UserName: 'api@msp.example', Secret: SECRET } });
}

const picklists = {
  fields: [
    { name: 'queueID', isPickList: true, picklistValues: [{ value: '8', label: 'Monitoring Alert', isActive: true }] },
    { name: 'status', isPickList: true, picklistValues: [{ value: '1', label: 'New', isActive: true }, { value: '5', label: 'Complete', isActive: true }] },
    { name: 'priority', isPickList: true, picklistValues: [{ value: '2', label: 'Medium', isActive: true }] },
  ],
};

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('autotask client', () => {
  it('discovers the zone once, then sends every call to it with the three headers', async () => {
    const lookup = zoneLookup();
    const api = zone()
      .get('/Tickets/77')
      .reply(200, { item: { id: 77, status: 1, completedDate: null } })
      .get('/Tickets/78')
      .reply(200, { item: { id: 78, status: 5, completedDate: '2024-01-01T00:00:00Z' } });
    const c = client();
    expect(await c.get('77')).toEqual({ id: '77', closed: false });
    expect(await c.get('78')).toEqual({ id: '78', closed: true });
    expect(lookup.isDone()).toBe(true);
    expect(api.isDone()).toBe(true);
    expect(c.requests).toBe(3);
  });

  it('sends no credentials to the zone lookup', async () => {
    let lookupHeaders: Record<string, unknown> = {};
    nock(LOOKUP)
      .get('/atservicesrest/v1.0/ZoneInformation')
      .query(true)
      .reply(function () {
        lookupHeaders = this.req.headers;
        return [200, { url: `${ZONE}/atservicesrest/` }];
      });
    zone().get('/Tickets/1').reply(200, { item: null });
    await client().get('1');
    expect(lookupHeaders.secret).toBeUndefined();
    expect(lookupHeaders.apiintegrationcode).toBeUndefined();
  });

  it('answers null for an unknown id, whether Autotask says item: null or 404', async () => {
    zoneLookup();
    zone().get('/Tickets/5').reply(200, { item: null }).get('/Tickets/6').reply(404, { errors: ['not found'] });
    const c = client();
    expect(await c.get('5')).toBeNull();
    expect(await c.get('6')).toBeNull();
    expect(await c.get('not-a-number')).toBeNull();
  });

  it('finds the newest ticket of the company whose title holds the marker, with the filter it documents', async () => {
    zoneLookup();
    let search: { filter: Array<{ op: string; field: string; value: unknown }> } | null = null;
    zone()
      .get('/Tickets/query')
      .query((q) => {
        search = JSON.parse(String(q.search)) as typeof search;
        return true;
      })
      .reply(200, {
        items: [
          { id: 10, status: 5, completedDate: '2024-01-01T00:00:00Z', companyID: 174, title: 'Backups failing [ratchet:ep-1]' },
          { id: 12, status: 1, completedDate: null, companyID: 174, title: 'Backups failing [ratchet:ep-1]' },
          { id: 13, status: 1, completedDate: null, companyID: 174, title: 'other ratchet:ep-1 without brackets' },
        ],
        pageDetails: { count: 3, requestCount: 500, prevPageUrl: null, nextPageUrl: null },
      });
    expect(await client().findByMarker(174, '[ratchet:ep-1]')).toEqual({ id: '12', closed: false });
    expect(search!.filter).toEqual([
      { op: 'eq', field: 'companyID', value: 174 },
      { op: 'contains', field: 'title', value: 'ratchet:ep-1' },
    ]);
  });

  it('pages a query by id while Autotask says there is a next page', async () => {
    zoneLookup();
    const seen: unknown[] = [];
    zone()
      .get('/Tickets/query')
      .times(2)
      .query((q) => {
        seen.push(JSON.parse(String(q.search)));
        return true;
      })
      .reply(() =>
        seen.length === 1
          ? [200, { items: [{ id: 3, status: 5, companyID: 174, title: 'a [ratchet:ep-1]' }], pageDetails: { nextPageUrl: `${ZONE}/atservicesrest/v1.0/Tickets/query/next` } }]
          : [200, { items: [{ id: 9, status: 1, companyID: 174, title: 'b [ratchet:ep-1]' }], pageDetails: { nextPageUrl: null } }],
      );
    expect(await client().findByMarker(174, '[ratchet:ep-1]')).toEqual({ id: '9', closed: false });
    expect((seen[1] as { filter: unknown[] }).filter).toContainEqual({ op: 'gt', field: 'id', value: 3 });
  });

  it('creates a ticket with the configured picklists and a description capped at 8,000 characters', async () => {
    zoneLookup();
    let body: Record<string, unknown> = {};
    zone()
      .post('/Tickets', (b: Record<string, unknown>) => {
        body = b;
        return true;
      })
      .reply(200, { itemId: 4711 });
    const ref = await client({ ticketType: 5 }).create({ ...draft, text: 'x'.repeat(9000) });
    expect(ref).toEqual({ id: '4711', closed: false });
    expect(body).toMatchObject({ companyID: 174, title: draft.summary, status: 1, priority: 2, queueID: 8, ticketType: 5 });
    expect(String(body.description)).toHaveLength(DESCRIPTION_MAX);
    expect(Date.parse(String(body.dueDateTime))).toBeGreaterThan(Date.now());
  });

  it('explains a 500 on create with an unknown company as a PsaRejectedError naming tenants[].psa.company', async () => {
    zoneLookup();
    zone()
      .post('/Tickets')
      .reply(500, { errors: ['Reference value on field: companyID of type: Company does not exist or is invalid.'] })
      .get('/Companies/174')
      .reply(200, { item: null });
    const err = await client().create(draft).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toContain('tenants[].psa.company');
    expect((err as Error).message).toContain('174');
  });

  it('explains a refusal for a queue the database does not have as a PsaRejectedError naming psa.queueId', async () => {
    zoneLookup();
    zone()
      .post('/Tickets')
      .reply(500, { errors: ['Value 99 for field queueID is not a valid picklist value.'] })
      .get('/Companies/174')
      .reply(200, { item: { id: 174 } })
      .get('/Tickets/entityInformation/fields')
      .reply(200, picklists);
    const err = await client({ queueId: 99 }).create(draft).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toContain('psa.queueId');
  });

  it('keeps a 500 whose references all exist a retryable VendorHttpError', async () => {
    zoneLookup();
    zone()
      .post('/Tickets')
      .reply(500, { errors: ['Timeout expired.'] })
      .get('/Companies/174')
      .reply(200, { item: { id: 174 } })
      .get('/Tickets/entityInformation/fields')
      .reply(200, picklists);
    const err = await client().create(draft).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('server');
  });

  it('honours a 429 with Retry-After and then succeeds', async () => {
    zoneLookup();
    zone().post('/Tickets').reply(429, { errors: ['threshold'] }, { 'Retry-After': '0' }).post('/Tickets').reply(200, { itemId: 5 });
    const c = client();
    expect(await c.create(draft)).toEqual({ id: '5', closed: false });
    expect(c.requests).toBe(3);
  });

  it('does not send a create again after it timed out (it may have been carried out)', async () => {
    zoneLookup();
    const api = zone().post('/Tickets').delay(400).reply(200, { itemId: 6 });
    const c = client({}, { timeoutMs: 100 });
    const err = await c.create(draft).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('timeout');
    expect(c.requests).toBe(2);
    expect(api.isDone()).toBe(true);
  });

  it('adds an internal note, and closes with a note then a PATCH to the closed status', async () => {
    zoneLookup();
    const notes: Array<Record<string, unknown>> = [];
    let patch: Record<string, unknown> = {};
    zone()
      .post('/Tickets/42/Notes', (b: Record<string, unknown>) => notes.push(b) > 0)
      .times(2)
      .reply(200, { itemId: 1 })
      .patch('/Tickets', (b: Record<string, unknown>) => {
        patch = b;
        return true;
      })
      .reply(200, { itemId: 42 });
    const c = client();
    await c.addNote('42', { text: 'worse', html: '' });
    await c.close('42', { text: 'recovered', html: '' });
    expect(notes.map((n) => [n.description, n.publish, n.noteType])).toEqual([
      ['worse', 2, 1],
      ['recovered', 2, 1],
    ]);
    expect(patch).toEqual({ id: 42, status: 5 });
  });

  it('refuses a note on a ticket that no longer exists', async () => {
    zoneLookup();
    zone().post('/Tickets/43/Notes').reply(404, { errors: ['Ticket 43 was not found.'] });
    await expect(client().addNote('43', { text: 'x', html: '' })).rejects.toBeInstanceOf(PsaRejectedError);
  });

  it('check proves the credentials and names a configured picklist value the database lacks', async () => {
    zoneLookup();
    zone().get('/Tickets/entityInformation/fields').reply(200, picklists).get('/Tickets/entityInformation/fields').reply(200, picklists);
    const c = client();
    await expect(c.check()).resolves.toBeUndefined();
    const bad = createAutotaskClient(config({ priority: 4 }), { logger });
    zoneLookup();
    await expect(bad.check()).rejects.toThrow(/psa\.priority/);
  });

  it('classifies bad credentials as auth and keeps every secret out of error messages', async () => {
    zoneLookup();
    nock(`${ZONE}/atservicesrest/v1.0`).get('/Tickets/entityInformation/fields').reply(401, { message: 'Authorization has been denied for this request.' });
    const err = await client().check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorHttpError);
    expect((err as VendorHttpError).kind).toBe('auth');
    expect((err as Error).message).not.toContain(SECRET);
    expect((err as Error).message).not.toContain(CODE);
    expect(JSON.stringify(err)).not.toContain(SECRET);
  });

  it('refuses a zone URL that is not https, or on a foreign host, before sending credentials', async () => {
    zoneLookup('http://webservices5.autotask.net/atservicesrest/');
    const err = await client().get('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PsaRejectedError);
    expect((err as Error).message).toMatch(/https/);
    zoneLookup('https://evil.example.com/atservicesrest/');
    await expect(client().get('1')).rejects.toThrow(/evil\.example\.com/);
  });

  it('looks the zone up again after a failed lookup', async () => {
    nock(LOOKUP).get('/atservicesrest/v1.0/ZoneInformation').query(true).times(3).reply(503, { errors: ['down'] });
    zoneLookup();
    zone().get('/Tickets/1').reply(200, { item: { id: 1, status: 1 } });
    const c = client();
    await expect(c.get('1')).rejects.toBeInstanceOf(VendorHttpError);
    expect(await c.get('1')).toEqual({ id: '1', closed: false });
  });
});

describe('autotask config', () => {
  it('defaults the zone lookup URL and the shipped picklist values', () => {
    const c = config();
    expect(c).toMatchObject({ zoneInformationUrl: 'https://webservices.autotask.net/atservicesrest', status: 1, closedStatus: 5, priority: 2, notePublish: 2 });
  });
  it('refuses a plain-http zone lookup URL and unknown keys', () => {
    expect(autotaskConfigSchema.safeParse({ userName: 'a', secret: 's', integrationCode: 'c', queueId: 1, zoneInformationUrl: 'http://x.example' }).success).toBe(false);
    expect(autotaskConfigSchema.safeParse({ userName: 'a', secret: 's', integrationCode: 'c', queueId: 1, queue: 2 }).success).toBe(false);
  });
});
