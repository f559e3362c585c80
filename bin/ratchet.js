#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci` via "prepare").
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('ratchet: not built yet. Run `npm run build` (or `npm ci`, which builds) first.\n');
  process.exit(1);
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
