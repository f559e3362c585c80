/**
 * `GET /subscribedSkus` content for each licence mix. Service plan ids are Microsoft's (licence-detection table in
 * reference/vendor-apis.md §1.1); the collector decides Entra ID P1/P2 and Intune from them.
 */
import { guid } from '../../../src/simulator/ids.js';
import type { Licence } from './profiles.js';

export const SERVICE_PLANS = {
  AAD_PREMIUM: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
  AAD_PREMIUM_P2: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
  INTUNE_A: 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5',
  MFA_PREMIUM: '8a256a2b-b617-496d-b51b-e76466e88db0',
  EXCHANGE_S_ENTERPRISE: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
  EXCHANGE_S_STANDARD: '9aaf7827-d63c-4b61-89c3-182f06f82e5c',
  SHAREPOINTENTERPRISE: '5dbe027f-2339-4123-9542-606e4d348a72',
  TEAMS1: '57ff2da0-773e-42df-b2af-ffb7a2317929',
} as const;

type PlanName = keyof typeof SERVICE_PLANS;

interface SkuDefinition {
  skuId: string;
  skuPartNumber: string;
  plans: PlanName[];
}

const SKUS: Record<Licence, SkuDefinition> = {
  // Microsoft 365 E5: Entra ID P1 + P2, Intune.
  p2: {
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    plans: ['AAD_PREMIUM', 'AAD_PREMIUM_P2', 'MFA_PREMIUM', 'INTUNE_A', 'EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'TEAMS1'],
  },
  // Microsoft 365 Business Premium (part number SPB): Entra ID P1, Intune.
  p1: {
    skuId: 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46',
    skuPartNumber: 'SPB',
    plans: ['AAD_PREMIUM', 'MFA_PREMIUM', 'INTUNE_A', 'EXCHANGE_S_STANDARD', 'TEAMS1'],
  },
  // Microsoft 365 Business Standard (part number O365_BUSINESS_PREMIUM, despite the name): no P1, no Intune.
  none: {
    skuId: 'f245ecc8-75af-4f8e-b61f-27d8114de5f3',
    skuPartNumber: 'O365_BUSINESS_PREMIUM',
    plans: ['EXCHANGE_S_STANDARD', 'TEAMS1'],
  },
};

export function hasPremium(licence: Licence): boolean {
  return licence !== 'none';
}

export function hasIntune(licence: Licence): boolean {
  return licence !== 'none';
}

export function subscribedSkus(seed: number, tenantId: string, licence: Licence, seats: number, consumed: number): Record<string, unknown>[] {
  const sku = SKUS[licence];
  return [
    {
      accountName: 'simulated',
      accountId: tenantId,
      appliesTo: 'User',
      capabilityStatus: 'Enabled',
      consumedUnits: consumed,
      id: `${tenantId}_${sku.skuId}`,
      skuId: sku.skuId,
      skuPartNumber: sku.skuPartNumber,
      subscriptionIds: [guid(seed, 'subscription', sku.skuPartNumber)],
      prepaidUnits: { enabled: seats, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: sku.plans.map((name) => ({
        servicePlanId: SERVICE_PLANS[name],
        servicePlanName: name,
        provisioningStatus: 'Success',
        appliesTo: 'User',
      })),
    },
  ];
}
