/** `ratchet rules check`: validates a rule set against the schema and the evidence catalog, without a config. */
import type { Command } from 'commander';
import { EXIT } from '../../app/io.js';
import { loadRuleSet } from '../../config/load-rules.js';
import { defaultRulesPath } from '../../paths.js';
import type { CommandDeps } from '../command.js';

export function registerRules(program: Command, { io, exit }: CommandDeps): void {
  const rules = program.command('rules').description('rule set tools');
  rules
    .command('check')
    .description('validate a rule set against the schema and the evidence catalog')
    .argument('[path]', 'rule file or folder (default: the built-in rules/)')
    .action(async (path?: string) => {
      const target = path ?? defaultRulesPath();
      const set = loadRuleSet(target);
      io.out(`${target}: ${set.rules.length} rules valid (version ${set.version})\n`);
      exit(EXIT.ok);
    });
}
