/**
 * Names of configuration sources that the command table shows in its help (`src/cli.ts`), apart from
 * `config.ts`: the table loads at every start, and the resolver's schema library should not.
 */

/** The environment variable for a provider's port: `PAYCLI_<NAME>_PORT`. */
export function portEnvVar(name: string): string {
  return `PAYCLI_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}
