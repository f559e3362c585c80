/**
 * The collector registry: the only place that lists vendors. Adding a collector = one folder + one line here.
 */
import type { CollectorPlugin } from '../src/collectors/plugin.js';
import { acronisPlugin } from './acronis/index.js';
import { dattoRmmPlugin } from './datto-rmm/index.js';
import { m365Plugin } from './m365/index.js';
import { ninjaonePlugin } from './ninjaone/index.js';
import { veeamVbrPlugin } from './veeam-vbr/index.js';

export const PLUGINS: readonly CollectorPlugin[] = [m365Plugin, ninjaonePlugin, dattoRmmPlugin, veeamVbrPlugin, acronisPlugin] as CollectorPlugin[];
