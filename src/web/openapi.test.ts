/** The OpenAPI document: generated from the zod schemas the server validates with, behind authentication. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webFixture, type WebFixture } from './test-support.js';

let f: WebFixture;
let doc: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
beforeAll(async () => {
  f = await webFixture();
  const res = await f.as('viewer', { method: 'GET', url: '/api/v1/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  doc = JSON.parse(res.body);
});
afterAll(async () => {
  await f.close();
});

const EXPECTED: Array<[string, string]> = [
  ['get', '/api/v1/me'],
  ['get', '/api/v1/tenants'],
  ['get', '/api/v1/tenants/{id}'],
  ['get', '/api/v1/tenants/{id}/scans'],
  ['get', '/api/v1/tenants/{id}/scans/{scanId}'],
  ['get', '/api/v1/tenants/{id}/scans/{scanId}/findings'],
  ['get', '/api/v1/tenants/{id}/scans/{scanId}/evidence'],
  ['get', '/api/v1/tenants/{id}/scans/{scanId}/evidence/{key}'],
  ['get', '/api/v1/tenants/{id}/diff'],
  ['get', '/api/v1/tenants/{id}/episodes'],
  ['post', '/api/v1/tenants/{id}/episodes/{episodeId}/acknowledge'],
  ['post', '/api/v1/tenants/{id}/scan'],
  ['get', '/api/v1/tenants/{id}/attestations'],
  ['post', '/api/v1/tenants/{id}/attestations'],
  ['post', '/api/v1/tenants/{id}/attestations/{aid}/revoke'],
  ['get', '/api/v1/audit'],
  ['get', '/api/v1/tokens'],
  ['post', '/api/v1/tokens'],
  ['post', '/api/v1/tokens/{tokenId}/revoke'],
];

describe('GET /api/v1/openapi.json', () => {
  it('needs authentication like everything else', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(401);
  });

  it('is an OpenAPI 3.0 document with bearer security', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.title).toBe('Ratchet REST API');
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it('lists every route of the API, and only those', () => {
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m} ${path}`),
    );
    expect(listed.sort()).toEqual(EXPECTED.map(([m, p]) => `${m} ${p}`).sort());
  });

  it('describes parameters, bodies and responses from the zod schemas', () => {
    const evidence = doc.paths['/api/v1/tenants/{id}/scans/{scanId}/evidence/{key}'].get;
    const pageSize = evidence.parameters.find((p: { name: string }) => p.name === 'pageSize');
    expect(pageSize).toMatchObject({ in: 'query', schema: { maximum: 500, minimum: 1 } });
    const attest = doc.paths['/api/v1/tenants/{id}/attestations'].post;
    expect(attest.requestBody.content['application/json'].schema.properties.kind.enum).toEqual([
      'documented_policies',
      'dr_plan',
      'restore_test',
      'strategy_review',
      'incident_response_plan',
      'it_owner',
      // Essential Eight attestations (rules/frameworks/essential-eight.yaml): e8_<strategy>_ml<1..3>.
      ...['patch_applications', 'patch_os', 'mfa', 'admin_privileges', 'application_control', 'office_macros', 'app_hardening', 'backups'].flatMap((s) => [1, 2, 3].map((l) => `e8_${s}_ml${l}`)),
    ]);
    expect(attest.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Attestation' });
    expect(attest.responses['403'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('the report is the §5 schema, with the contract fields required', () => {
    const scan = doc.paths['/api/v1/tenants/{id}/scans/{scanId}'].get;
    expect(scan.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Report' });
    const report = doc.components.schemas.Report;
    expect(report.required).toEqual(expect.arrayContaining(['schemaVersion', 'tenant', 'scan', 'level', 'capabilities', 'findings', 'evidence', 'regression', 'roadmap']));
    expect(report.properties.schemaVersion.enum ?? [report.properties.schemaVersion.const]).toEqual([1]);
    expect(doc.components.schemas.Finding.properties.outcome.enum).toEqual(['pass', 'fail', 'partial', 'unknown', 'not_applicable']);
    expect(doc.components.schemas.Evidence.properties.status.enum).toEqual(['ok', 'unavailable', 'error']);
  });

  it('every $ref resolves inside the document', () => {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.add(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.size).toBeGreaterThan(5);
    for (const ref of refs) {
      const name = ref.replace('#/components/schemas/', '');
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });
});
