/** Vendor simulators by provider id. Adding a vendor = one module here + its renderer of the Estate. */
import type { VendorSimulator } from './types.js';

export const VENDOR_SIMULATORS: Readonly<Record<string, VendorSimulator>> = {};

export type { VendorSimulator, VendorContext, VendorRequest, VendorResponse, VendorTenantView } from './types.js';
