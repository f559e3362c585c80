import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '../config/schema.js';
import { notSimulated } from './simulated-history.js';

const tenant = (extra: Record<string, unknown>) => ({ id: 't', name: 'T', ...extra }) as unknown as TenantConfig;

describe('simulated history is refused for anything but simulator tenants', () => {
  it('accepts sections whose every endpoint is on loopback', () => {
    expect(notSimulated(tenant({ m365: { cloud: { graphEndpoint: 'https://127.0.0.1:4443', authorityHost: 'https://127.0.0.1:4443' } }, rmm: { baseUrl: 'https://localhost:9000/ninjaone' } }))).toBeNull();
  });

  it("refuses a section on the vendor's default cloud, which has no URL in the config", () => {
    expect(notSimulated(tenant({ m365: { tenantId: 'x', cloud: 'global' } }))).toMatch(/m365 section uses the vendor's default endpoints/);
  });

  it('refuses any endpoint off loopback', () => {
    expect(notSimulated(tenant({ m365: { cloud: { graphEndpoint: 'https://127.0.0.1:1', authorityHost: 'https://127.0.0.1:1' } }, backup: { baseUrl: 'https://vbr.contoso.local:9419' } }))).toMatch(/vbr\.contoso\.local:9419 is not on loopback/);
  });
});
