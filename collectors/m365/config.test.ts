import { describe, expect, it } from 'vitest';
import { resolveCloud } from './clouds.js';
import { m365ConfigSchema, secretFields } from './config.js';
import { m365Plugin } from './index.js';
import { PROVIDED_KEYS } from './evidence.js';

const base = { tenantId: '00000000-0000-0000-0000-000000000000', clientId: '11111111-1111-1111-1111-111111111111' };
const messages = (input: unknown) => {
  const r = m365ConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('m365 config', () => {
  it('applies defaults', () => {
    expect(m365ConfigSchema.parse({ ...base, clientSecret: 's3cret-value' })).toEqual({
      ...base,
      clientSecret: 's3cret-value',
      cloud: 'global',
      timeoutMs: 30000,
      maxRetries: 3,
    });
  });

  it('accepts a domain as tenant id and a certificate instead of a secret', () => {
    expect(messages({ ...base, tenantId: 'contoso.onmicrosoft.com', certificatePath: '/run/secrets/contoso.pem' })).toEqual([]);
  });

  it('rejects a tenant id that is neither a GUID nor a domain', () => {
    expect(messages({ ...base, tenantId: 'contoso', clientSecret: 'x' })[0]).toMatch(/^tenantId: must be the directory \(tenant\) GUID or a domain/);
  });

  it('accepts each credential mode on its own', () => {
    const UAMI = '22222222-2222-2222-2222-222222222222';
    expect(messages({ ...base, certificatePath: '/run/secrets/ratchet.pfx', certificatePassword: 'pfx-password' })).toEqual([]);
    expect(m365ConfigSchema.parse({ ...base, managedIdentity: {} }).managedIdentity).toEqual({});
    expect(m365ConfigSchema.parse({ ...base, managedIdentity: true }).managedIdentity).toEqual({});
    expect(m365ConfigSchema.parse({ ...base, managedIdentity: { clientId: UAMI } }).managedIdentity).toEqual({ clientId: UAMI });
    expect(m365ConfigSchema.parse({ ...base, workloadIdentity: true }).workloadIdentity).toEqual({});
    expect(m365ConfigSchema.parse({ ...base, workloadIdentity: { tokenFilePath: '/var/run/secrets/azure/tokens/azure-identity-token' } }).workloadIdentity).toEqual({
      tokenFilePath: '/var/run/secrets/azure/tokens/azure-identity-token',
    });
  });

  it('requires exactly one credential, naming the choices or the ones set twice', () => {
    expect(messages(base)).toEqual([
      'clientSecret: no credential is set: set exactly one of clientSecret, certificatePath (a PEM with key and certificate, or a PFX with certificatePassword), managedIdentity: {} (or { clientId } of a user-assigned identity), or workloadIdentity: true',
    ]);
    expect(messages({ ...base, clientSecret: 'x', certificatePath: '/c.pem' })).toEqual([
      'certificatePath: set exactly one credential, not 2: clientSecret and certificatePath are all set (with defaults.m365, a tenant that brings its own credential also needs its own clientId)',
    ]);
    expect(messages({ ...base, managedIdentity: {}, workloadIdentity: true })).toEqual([expect.stringMatching(/^workloadIdentity: set exactly one credential, not 2: managedIdentity and workloadIdentity/)]);
    expect(messages({ ...base, clientSecret: 'x', certificatePath: '/c.pem', managedIdentity: {} })[0]).toMatch(/not 3: clientSecret and certificatePath and managedIdentity/);
  });

  it("checks each mode's own fields", () => {
    expect(messages({ ...base, clientSecret: 'x', certificatePassword: 'p' })).toEqual(['certificatePassword: only opens the file certificatePath names: set certificatePath too, or remove it']);
    expect(messages({ ...base, managedIdentity: { clientId: 'my-identity' } })[0]).toMatch(/^managedIdentity\.clientId: must be the client id \(a GUID\) of the user-assigned managed identity/);
    expect(messages({ ...base, managedIdentity: { objectId: 'x' } }).join()).toMatch(/objectId/);
    expect(messages({ ...base, workloadIdentity: false })).not.toEqual([]);
    expect(messages({ ...base, workloadIdentity: { tokenFilePath: '' } })[0]).toMatch(/^workloadIdentity\.tokenFilePath: must not be empty/);
  });

  it('is strict about unknown keys', () => {
    expect(messages({ ...base, clientSecret: 'x', clientSecert: 'typo' }).join()).toMatch(/clientSecert/);
  });

  it('accepts national clouds and https custom clouds, refusing plain http', () => {
    expect(messages({ ...base, clientSecret: 'x', cloud: 'usgovdod' })).toEqual([]);
    expect(messages({ ...base, clientSecret: 'x', cloud: 'germany' })).not.toEqual([]);
    const http = messages({ ...base, clientSecret: 'x', cloud: { graphEndpoint: 'http://127.0.0.1:8443', authorityHost: 'https://127.0.0.1:8443' } });
    expect(http).toHaveLength(1);
    expect(http[0]).toMatch(/^cloud\.graphEndpoint: must be an https:\/\/ URL/);
    expect(messages({ ...base, clientSecret: 'x', cloud: { graphEndpoint: 'https://sim.local:8443/', authorityHost: 'https://sim.local:8443' } })).toEqual([]);
  });

  it('bounds retries and timeouts', () => {
    expect(messages({ ...base, clientSecret: 'x', maxRetries: 11 })).toHaveLength(1);
    expect(messages({ ...base, clientSecret: 'x', timeoutMs: 0 })).toHaveLength(1);
  });

  it('declares the secret field and the plugin identity', () => {
    expect(secretFields).toEqual(['clientSecret', 'certificatePassword']);
    expect(m365Plugin.id).toBe('m365');
    expect(m365Plugin.section).toBe('m365');
    expect(m365Plugin.secretFields).toEqual(['clientSecret', 'certificatePassword']);
    expect(m365Plugin.provides).toEqual(PROVIDED_KEYS);
  });
});

describe('national clouds', () => {
  it.each([
    ['global', 'https://graph.microsoft.com', 'https://login.microsoftonline.com'],
    ['usgov', 'https://graph.microsoft.us', 'https://login.microsoftonline.us'],
    ['usgovdod', 'https://dod-graph.microsoft.us', 'https://login.microsoftonline.us'],
    ['china', 'https://microsoftgraph.chinacloudapi.cn', 'https://login.chinacloudapi.cn'],
  ] as const)('%s', (name, graph, authority) => {
    const c = resolveCloud(name);
    expect(c).toMatchObject({ graphEndpoint: graph, authorityHost: authority, scope: `${graph}/.default`, baseUrl: `${graph}/v1.0`, custom: false });
  });

  it('custom cloud: trailing slash dropped, host without port for customHosts', () => {
    const cfg = m365ConfigSchema.parse({ ...base, clientSecret: 'x', cloud: { graphEndpoint: 'https://sim.local:8443/', authorityHost: 'https://sim.local:8444/' } });
    expect(resolveCloud(cfg.cloud)).toMatchObject({
      name: 'custom',
      graphEndpoint: 'https://sim.local:8443',
      authorityHost: 'https://sim.local:8444',
      scope: 'https://sim.local:8443/.default',
      baseUrl: 'https://sim.local:8443/v1.0',
      graphHost: 'sim.local',
      graphOrigin: 'https://sim.local:8443',
      custom: true,
    });
  });

  it('china has no Secure Score nor per-user methods', () => {
    expect(resolveCloud('china').features).toEqual({ secureScore: false, authenticationMethods: false });
  });
});
