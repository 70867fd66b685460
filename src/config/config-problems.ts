import { ConfigError } from '../errors';

/**
 * Every problem found in one load of the configuration, so an operator fixes them all in one go
 * instead of one restart per problem. Each problem is "WHERE: WHAT (HOW TO FIX)", WHERE being the
 * config file or the environment variable the value came from.
 */
export class ConfigProblems {
  private readonly items: string[] = [];

  add(where: string, detail: string): void {
    this.items.push(`${where}: ${detail}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** One problem: `config error in WHERE: ...` (one line). Several: a header line, then one line each. */
  throwIfAny(): void {
    if (this.items.length === 0) return;
    if (this.items.length === 1) throw new ConfigError(`config error in ${this.items[0]}`);
    throw new ConfigError(
      `${this.items.length} config errors (fix them all, then start again):\n${this.items.map((item) => `  - in ${item}`).join('\n')}`,
    );
  }
}
