/** A config that cannot be used: one line per problem, each naming the path and the fix (the CLI exits 2). */
export class ConfigError extends Error {
  constructor(public readonly problems: string[], public readonly file?: string) {
    super(`${file ? `${file}: ` : ''}invalid config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}
