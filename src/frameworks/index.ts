/** The external framework views of a report (DESIGN §14), computed from the same evidence bundle as the level. */
import type { EvidenceBundle } from '../domain/evidence.js';
import type { FrameworksView } from '../domain/frameworks.js';
import { evaluateEssentialEight } from './essential-eight.js';
import { defaultFrameworks, type Frameworks } from './load.js';

export function frameworksView(bundle: EvidenceBundle, frameworks: Frameworks): FrameworksView {
  return frameworks.essentialEight ? { essentialEight: evaluateEssentialEight(frameworks.essentialEight, bundle) } : {};
}

/** The frameworks a rule set brings (its own `frameworks/` folder), else the ones shipped with Ratchet. */
export function frameworksOf(ruleSet: { frameworks?: Frameworks }): Frameworks {
  return ruleSet.frameworks ?? defaultFrameworks();
}

/** The report's `frameworks` for a bundle scored with a rule set. */
export function reportFrameworks(bundle: EvidenceBundle, ruleSet: { frameworks?: Frameworks }): FrameworksView {
  return frameworksView(bundle, frameworksOf(ruleSet));
}
