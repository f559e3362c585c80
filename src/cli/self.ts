/**
 * How to start this same CLI in a child process: from the built package (bin/ratchet.js) or, when running from the
 * TypeScript sources (tests, development), through tsx. The demo needs a child because Node reads
 * NODE_EXTRA_CA_CERTS only at start-up, and the simulator's CA must be trusted by the scanning process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths.js';

export function selfCommand(): { command: string; args: string[] } {
  const root = packageRoot();
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  if (!fromSource && existsSync(join(root, 'bin', 'ratchet.js'))) {
    return { command: process.execPath, args: [join(root, 'bin', 'ratchet.js')] };
  }
  // Resolve tsx from this package, not from the working directory the user happens to be in.
  return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), join(root, 'src', 'cli', 'entry.ts')] };
}
