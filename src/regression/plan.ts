/** Outbox rows for alert events: defined with the dispatcher that sends them (src/alerts/outbox.ts). */
export { planDeliveries } from '../alerts/outbox.js';
