/**
 * NinjaOne timestamps are epoch **seconds** as floats (`"lastContact": 1728487941.72576`). Some community clients
 * report milliseconds; a value too large to be seconds (after the year 5000) is read as milliseconds instead, so
 * either form lands on the same UTC instant.
 */
export { DAY_MS, HOUR_MS, epochToMs, isoFromMs, round1 } from '../../src/collector-kit/time.js';
