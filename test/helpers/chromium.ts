/**
 * Debian's Chromium for the browser suite (playwright-core cannot download a browser here). The README's test command
 * must pass on a fresh machine, so the suite installs the browser itself where it can — as root with apt-get, the
 * way CI and the container images of this project run — and otherwise fails with the one command to run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'apt-get update && apt-get install -y chromium';

function hasAptGet(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The path of a usable Chromium, installing Debian's package first when this process may. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = process.getuid?.() === 0;
  if (process.env.CHROMIUM_PATH || !root || !hasAptGet()) {
    throw new Error(
      `no Chromium at ${CHROMIUM}. Install it once with: ${root ? '' : 'sudo sh -c "'}${INSTALL}${root ? '' : '"'} ` +
        '(or set CHROMIUM_PATH; RATCHET_SKIP_BROWSER_TESTS=1 skips the browser tests)',
    );
  }
  process.stderr.write(`browser tests: installing Debian's chromium (${INSTALL}) — once per machine, about a minute\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 480_000 });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' / ') ?? '';
    throw new Error(`could not install chromium with apt-get (${(e as Error).message.split('\n')[0]}${stderr ? `: ${stderr}` : ''}); run: ${INSTALL}`, { cause: e });
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} does not exist; set CHROMIUM_PATH`);
  return CHROMIUM;
}
