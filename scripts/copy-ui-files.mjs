// tsc compiles only TypeScript: the web UI's templates and assets are copied next to the compiled plugin, so the
// built package (and the container, which ships dist/) serves them without the sources.
import { cpSync } from 'node:fs';

for (const dir of ['templates', 'assets']) {
  cpSync(`src/web/ui/${dir}`, `dist/src/web/ui/${dir}`, { recursive: true });
}
