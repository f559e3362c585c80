/**
 * Licence detection from /subscribedSkus (maester365/maester Get-MtLicenseInformation): collect the service plan
 * ids of active subscriptions. Licences decide which evidence can exist at all (no P1 → no Conditional Access and
 * no registration report; no Intune → no managed devices), so they turn "403" into an honest explanation.
 */
import type { SubscribedSku } from './schema.js';

export const SERVICE_PLANS = {
  entraP1: ['41781fb2-bc02-4b7c-bd55-b576c07bb09d'], // AAD_PREMIUM
  entraP2: ['eec0eb4f-6444-4f95-aba0-50c24d67f998'], // AAD_PREMIUM_P2
  intune: [
    'c1ec4a95-1f05-45b3-a911-aa3fa01094f5', // INTUNE_A
    '3e170737-c728-4eae-bbb9-3f3360f7184c', // INTUNE_A_VL
    'e6025b08-2fa5-4313-bd0a-7e5ffca32958', // INTUNE_SMB
    'da24caf9-af8e-485c-b7c8-e73336da2693', // INTUNE_EDU
    '2b317a4a-77a6-4188-9437-b68a77b4e2c6', // INTUNE_A_D
  ],
} as const;

/**
 * `Enabled` subscriptions count. `Warning` is the grace period after expiry during which the service keeps working,
 * so it counts too: treating it as unlicensed would explain a working Conditional Access away as impossible.
 */
const ACTIVE = new Set(['enabled', 'warning']);

export interface LicenseValue extends Record<string, unknown> {
  entraP1: boolean;
  entraP2: boolean;
  intune: boolean;
  /** skuPartNumber of every active subscription. */
  skus: string[];
}

export function deriveLicenses(skus: readonly SubscribedSku[]): LicenseValue {
  const plans = new Set<string>();
  const names: string[] = [];
  for (const sku of skus) {
    if (!ACTIVE.has(sku.capabilityStatus.toLowerCase())) continue;
    names.push(sku.skuPartNumber);
    for (const plan of sku.servicePlans) plans.add(plan.servicePlanId.toLowerCase());
  }
  const has = (ids: readonly string[]) => ids.some((id) => plans.has(id));
  const entraP2 = has(SERVICE_PLANS.entraP2);
  return {
    // P2 includes every P1 capability.
    entraP1: entraP2 || has(SERVICE_PLANS.entraP1),
    entraP2,
    intune: has(SERVICE_PLANS.intune),
    skus: [...new Set(names)].sort(),
  };
}
