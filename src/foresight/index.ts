/** Foresight (DESIGN §14): at-risk notices from robust trends of the gates that hold a tenant's level. */
export { theilSen, median, mannKendall, residualNoise } from './theil-sen.js';
export { heldGates, type HeldGate } from './gates.js';
export {
  forecastTenant,
  forecastGate,
  seriesOf,
  measureAt,
  deadBandOf,
  failLine,
  noticeText,
  FORESIGHT_METHOD,
  type ScanPoint,
  type SeriesPoint,
  type ForesightMethod,
} from './forecast.js';
