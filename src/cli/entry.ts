/** Process entry for the CLI when run from source (`node --import tsx src/cli/entry.ts …`) — used by the demo child. */
import { main } from './main.js';

process.exitCode = await main(process.argv);
