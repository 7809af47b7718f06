/**
 * Where the ngrok authtoken comes from: `--authtoken`, then NGROK_AUTHTOKEN, then `ngrokAuthtoken` in
 * paycli.config.json in the working directory. The caller passes the environment and directory in, so this
 * reads no globals.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PaycliError } from '../errors.js';

export type AuthtokenSource = 'flag' | 'env' | 'config';

export interface ResolvedAuthtoken {
  token: string;
  source: AuthtokenSource;
}

export interface ResolveAuthtokenOptions {
  /** The `--authtoken` value. */
  flag?: string;
  /** The environment to read NGROK_AUTHTOKEN from. */
  env: Record<string, string | undefined>;
  /** The directory holding paycli.config.json. */
  cwd: string;
}

/** The config file read for `ngrokAuthtoken`. */
export const CONFIG_FILE = 'paycli.config.json';

/**
 * Finds the authtoken (flag > env > config file), or undefined when none is set. An empty value counts as
 * unset. The config file is read only when flag and env give nothing; a file that exists but is not valid
 * JSON is an `invalid_config` error.
 */
export async function resolveAuthtoken(options: ResolveAuthtokenOptions): Promise<ResolvedAuthtoken | undefined> {
  const flag = options.flag?.trim();
  if (flag) return { token: flag, source: 'flag' };
  const env = options.env.NGROK_AUTHTOKEN?.trim();
  if (env) return { token: env, source: 'env' };

  const file = path.join(options.cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PaycliError('invalid_config', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new PaycliError('invalid_config', `${file} is not valid JSON: ${(err as Error).message}`, {
      hint: 'fix the file, or pass the ngrok authtoken with --authtoken or NGROK_AUTHTOKEN',
      cause: err,
    });
  }
  const value = config && typeof config === 'object' ? (config as Record<string, unknown>).ngrokAuthtoken : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new PaycliError('invalid_config', `ngrokAuthtoken in ${file} must be a string`, { param: 'ngrokAuthtoken' });
  }
  return value.trim() ? { token: value.trim(), source: 'config' } : undefined;
}
