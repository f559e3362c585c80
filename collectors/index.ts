/**
 * The vendor registry: the only place that lists vendors. Adding a vendor = one folder (its collector and its
 * simulator) + one line here.
 */
import type { CollectorPlugin } from '../src/collector-kit/plugin.js';
import type { SimulatorPlugin } from '../src/simulator/vendor.js';
import { acronisPlugin, acronisSimulator } from './acronis/index.js';
import { dattoRmmPlugin, dattoRmmSimulator } from './datto-rmm/index.js';
import { m365Plugin, m365Simulator } from './m365/index.js';
import { ninjaonePlugin, ninjaoneSimulator } from './ninjaone/index.js';
import { veeamVbrPlugin, veeamVbrSimulator } from './veeam-vbr/index.js';

/** A vendor: its collector, and its API on the tenant simulator (DESIGN §9). */
export interface Vendor {
  plugin: CollectorPlugin;
  simulator?: SimulatorPlugin;
}

export const VENDORS: readonly Vendor[] = [
  { plugin: m365Plugin as CollectorPlugin, simulator: m365Simulator },
  { plugin: ninjaonePlugin as CollectorPlugin, simulator: ninjaoneSimulator },
  { plugin: dattoRmmPlugin as CollectorPlugin, simulator: dattoRmmSimulator },
  { plugin: veeamVbrPlugin as CollectorPlugin, simulator: veeamVbrSimulator },
  { plugin: acronisPlugin as CollectorPlugin, simulator: acronisSimulator },
];

export const PLUGINS: readonly CollectorPlugin[] = VENDORS.map((v) => v.plugin);

/** Every vendor API the simulator can serve (src/app/simulator.ts injects them into the host). */
export const SIMULATORS: readonly SimulatorPlugin[] = VENDORS.flatMap((v) => (v.simulator ? [v.simulator] : []));
