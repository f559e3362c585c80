/**
 * Which devices belong to the tenant: the NinjaOne organisation and, when the device listing was read, the ids of
 * its devices. Alerts and activity-log entries are both filtered by it (alerts.ts, activities.ts).
 */
export interface TenantScope {
  organizationId: number | undefined;
  /** Ids of the organisation's devices, or null when the device listing is not available. */
  deviceIds: ReadonlySet<number> | null;
}
