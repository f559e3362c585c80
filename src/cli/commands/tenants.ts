/**
 * `ratchet tenants …`: portfolio onboarding (DESIGN §12). `discover` lists the MSP's customers from its partner
 * tenant; `map` lines a shared vendor account's clients up with the configured tenants. Each subcommand lives in
 * its own module and registers itself on this parent.
 */
import type { Command } from 'commander';
import type { CommandDeps } from '../command.js';
import { registerTenantsDiscover } from './tenants-discover.js';
import { registerTenantsMap } from './tenants-map.js';

export function registerTenants(program: Command, deps: CommandDeps): void {
  const tenants = program.command('tenants').description('onboard a portfolio: discover customers, map vendor accounts to tenants');
  registerTenantsDiscover(tenants, deps);
  registerTenantsMap(tenants, deps);
}
