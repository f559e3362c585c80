/**
 * Debian's Chromium for the browser suite (playwright-core cannot download a browser here), installed on first use
 * where the suite may (test/helpers/debian-package.ts).
 */
import { ensureDebianTool } from './debian-package.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The path of a usable Chromium, installing Debian's package first when this process may. */
export function ensureChromium(): string {
  return ensureDebianTool({
    path: CHROMIUM,
    pkg: 'chromium',
    purpose: 'browser tests',
    overrideVar: 'CHROMIUM_PATH',
    hint: 'or set CHROMIUM_PATH; RATCHET_SKIP_BROWSER_TESTS=1 skips the browser tests',
  });
}
