import { describe, expect, it } from 'vitest';
import { deriveLicenses } from './licenses.js';
import { subscribedSku } from './schema.js';
import { fixture } from './test-support.js';

const skus = (name: string) => fixture<{ value: unknown[] }>(name).value.map((s) => subscribedSku.parse(s));
const sku = (capabilityStatus: string, ...plans: string[]) =>
  subscribedSku.parse({ skuId: 'x', skuPartNumber: `SKU_${plans.length}`, capabilityStatus, servicePlans: plans.map((servicePlanId) => ({ servicePlanId })) });

describe('licence detection', () => {
  it('reads P1 and Intune from enabled SKUs and ignores suspended ones', () => {
    expect(deriveLicenses(skus('subscribed-skus.json'))).toEqual({ entraP1: true, entraP2: false, intune: true, skus: ['EMS', 'ENTERPRISEPACK'] });
  });

  it('finds nothing premium in a basic tenant', () => {
    expect(deriveLicenses(skus('subscribed-skus-basic.json'))).toEqual({ entraP1: false, entraP2: false, intune: false, skus: ['O365_BUSINESS_ESSENTIALS'] });
  });

  it('P2 implies P1', () => {
    expect(deriveLicenses([sku('Enabled', 'eec0eb4f-6444-4f95-aba0-50c24d67f998')])).toMatchObject({ entraP1: true, entraP2: true });
  });

  it('knows every Intune plan variant and counts the grace period (Warning) as active', () => {
    expect(deriveLicenses([sku('Warning', 'E6025B08-2FA5-4313-BD0A-7E5FFCA32958')]).intune).toBe(true);
    expect(deriveLicenses([sku('LockedOut', 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5')]).intune).toBe(false);
  });
});
