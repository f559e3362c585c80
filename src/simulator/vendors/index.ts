/** Vendor simulators by provider id. Adding a vendor = one module here + its renderer of the Estate. */
import type { VendorSimulator } from './types.js';
import { acronisSimulator } from './acronis.js';
import { dattoRmmSimulator } from './datto-rmm.js';
import { ninjaoneSimulator } from './ninjaone.js';
import { veeamVbrSimulator } from './veeam-vbr.js';

export const VENDOR_SIMULATORS: Readonly<Record<string, VendorSimulator>> = {
  'veeam-vbr': veeamVbrSimulator,
  acronis: acronisSimulator,
  ninjaone: ninjaoneSimulator,
  'datto-rmm': dattoRmmSimulator,
};

export type { VendorSimulator, VendorContext, VendorRequest, VendorResponse, VendorTenantView } from './types.js';
