/**
 * Debian packages the suite needs besides npm's: Chromium for the browser tests and poppler-utils to read the client
 * report's PDFs back. The README's test command must pass on a fresh machine, so the suite installs a missing package
 * itself where it can — as root with apt-get, the way CI and the container images of this project run — and otherwise
 * fails with the one command to run. Installs run once per machine and are serialised across test workers by apt's
 * own lock (a second worker waits for it, then finds the binary).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function hasAptGet(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface DebianTool {
  /** The binary the tests run. */
  path: string;
  /** The Debian package that provides it. */
  pkg: string;
  /** What it is for, in the message when it is missing. */
  purpose: string;
  /** An environment variable that points at the binary elsewhere (then nothing is installed). */
  overrideVar?: string;
  /** Extra advice in the message when it is missing. */
  hint?: string;
}

/** `tool.path`, installing `tool.pkg` with apt-get first when it is missing and this process may. */
export function ensureDebianTool(tool: DebianTool): string {
  if (existsSync(tool.path)) return tool.path;
  const install = `apt-get update && apt-get install -y ${tool.pkg}`;
  const root = process.getuid?.() === 0;
  if ((tool.overrideVar && process.env[tool.overrideVar]) || !root || !hasAptGet()) {
    throw new Error(
      `no ${tool.path} (${tool.purpose}). Install it once with: ${root ? '' : 'sudo sh -c "'}${install}${root ? '' : '"'}` +
        (tool.hint ? ` (${tool.hint})` : ''),
    );
  }
  process.stderr.write(`${tool.purpose}: installing Debian's ${tool.pkg} (${install}) — once per machine\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt-get waits this long for another worker's install to release dpkg's lock instead of failing at once.
  const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
  try {
    execFileSync('apt-get', [...lockWait, 'update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
    execFileSync('apt-get', [...lockWait, 'install', '-y', '-qq', tool.pkg], { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  } catch (e) {
    if (existsSync(tool.path)) return tool.path; // another worker installed it meanwhile
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' / ') ?? '';
    throw new Error(`could not install ${tool.pkg} with apt-get (${(e as Error).message.split('\n')[0]}${stderr ? `: ${stderr}` : ''}); run: ${install}`, { cause: e });
  }
  if (!existsSync(tool.path)) throw new Error(`apt-get installed ${tool.pkg} but ${tool.path} does not exist`);
  return tool.path;
}
