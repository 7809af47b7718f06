/**
 * Where the ngrok authtoken comes from: `--authtoken`, then NGROK_AUTHTOKEN, then `ngrokAuthtoken` in the
 * paycli config file (the same precedence as every other setting, see src/config.ts). The caller passes
 * the environment and directory in, so this reads no globals.
 */
import { readConfigFile } from '../config.js';

export type AuthtokenSource = 'flag' | 'env' | 'config';

export interface ResolvedAuthtoken {
  token: string;
  source: AuthtokenSource;
}

export interface ResolveAuthtokenOptions {
  /** The `--authtoken` value. */
  flag?: string;
  /** The environment to read NGROK_AUTHTOKEN (and PAYCLI_CONFIG) from. */
  env: Record<string, string | undefined>;
  /** The directory holding paycli.config.json. */
  cwd: string;
}

/**
 * Finds the authtoken (flag > env > config file), or undefined when none is set. An empty value counts as
 * unset. The config file is read only when flag and env give nothing; an invalid file is an
 * `invalid_config` error.
 */
export async function resolveAuthtoken(options: ResolveAuthtokenOptions): Promise<ResolvedAuthtoken | undefined> {
  const flag = options.flag?.trim();
  if (flag) return { token: flag, source: 'flag' };
  const env = options.env.NGROK_AUTHTOKEN?.trim();
  if (env) return { token: env, source: 'env' };
  const fromFile = readConfigFile(options.cwd, options.env.PAYCLI_CONFIG).config.ngrokAuthtoken?.trim();
  return fromFile ? { token: fromFile, source: 'config' } : undefined;
}
