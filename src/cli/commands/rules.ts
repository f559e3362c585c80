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
    .description('validate a rule set (and its frameworks/ mappings) against the schema and the evidence catalog')
    .argument('[path]', 'rule file or folder (default: the built-in rules/)')
    .action(async (path?: string) => {
      const target = path ?? defaultRulesPath();
      const set = loadRuleSet(target);
      io.out(`${target}: ${set.rules.length} rules valid (version ${set.version})\n`);
      const e8 = set.frameworks?.essentialEight;
      if (e8) {
        const count = e8.strategies.reduce((n, s) => n + s.requirements.length, 0);
        io.out(`${target}/frameworks/essential-eight.yaml: ${e8.strategies.length} strategies, ${count} requirements valid\n`);
      }
      exit(EXIT.ok);
    });
}
