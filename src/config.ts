/**
 * Configuration, resolved once per command: flags > `PAYCLI_*` environment > config file > defaults.
 * Commands call `resolveConfig` with their parsed flags; nothing else reads process.env.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { portEnvVar } from './config-names.js';
import { PaycliError } from './errors.js';

export { portEnvVar };

export const CONFIG_FILE = 'paycli.config.json';
/** Where a running sandbox leaves its address for other commands started in the same directory. */
export const RUNTIME_FILE = path.join('.paycli', 'sandbox.runtime.json');
export const DEFAULT_DATA_FILE = path.join('.paycli', 'sandbox.json');

const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().optional(),
  data: z.string().optional(),
  inMemory: z.boolean().optional(),
  forwardTo: z.string().optional(),
  retrySchedule: z.string().optional(),
  allowHosts: z.array(z.string().min(1)).optional(),
  sandboxUrl: z.string().optional(),
  apiKey: z.string().optional(),
  ngrokAuthtoken: z.string().optional(),
  /** Which providers `sandbox start` serves: a list or a comma list of registry names (default: all). */
  providers: z.union([z.array(z.string()), z.string()]).optional(),
  /** Each provider's port by name (0: any free port), e.g. { "stripe": 12111 }. */
  ports: z.record(z.string(), z.number().int().min(0).max(65535)).optional(),
  /** Which key signs WeChat Pay responses and notifications. */
  wechatpaySigning: z.enum(['public-key', 'platform-certificate']).optional(),
});

/** WeChat Pay signing modes (the provider's own list; repeated here so this module stays a leaf). */
export const WECHATPAY_SIGNING_MODES = ['public-key', 'platform-certificate'] as const;
export type WechatpaySigning = (typeof WECHATPAY_SIGNING_MODES)[number];

export type ConfigFile = z.infer<typeof configFileSchema>;

export interface ResolvedConfig {
  port: number;
  host: string;
  data: string;
  inMemory: boolean;
  forwardTo: string | null;
  retrySchedule: string | null;
  /** Host names the sandbox answers to besides loopback ones and `host` (`--allow-host`). */
  allowHosts: string[];
  sandboxUrl: string | null;
  apiKey: string | null;
  ngrokAuthtoken: string | null;
  /** The providers to serve; null: the command's default (all registered). */
  providers: string[] | null;
  /** Ports given for providers other than the native one (whose port is `port`). */
  providerPorts: Record<string, number>;
  /** WeChat Pay's signing key; null: the provider's default (the WeChat Pay public key). */
  wechatpaySigning: WechatpaySigning | null;
  /** Which config file was read, if any. */
  configFile: string | null;
}

export interface ConfigFlags {
  port?: string | number;
  host?: string;
  data?: string;
  inMemory?: boolean;
  forwardTo?: string;
  retrySchedule?: string;
  allowHost?: string[];
  sandboxUrl?: string;
  apiKey?: string;
  authtoken?: string;
  config?: string;
  /** `--providers stripe,alipay` */
  providers?: string;
  /** `--wechatpay-signing public-key|platform-certificate` */
  wechatpaySigning?: string;
  // `--<name>-port` flags arrive as commander names them (`stripePort`, `wechatpayPort`, …): see portFlagKey.
}

/** What resolving needs to know of the provider registry (kept out of this module so it stays a leaf). */
export interface ProviderNames {
  /** Every registered provider's name; `paycli` (the native one) listens on `port`. */
  names: readonly string[];
}

/** The camel-case flag key commander uses for `--<name>-port`. */
export function portFlagKey(name: string): `${string}Port` {
  return `${name.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase())}Port`;
}

function parseProviderList(value: string | string[], source: string, registered: readonly string[]): string[] {
  const names = (Array.isArray(value) ? value : value.split(',')).map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) {
    if (!registered.includes(name)) {
      throw new PaycliError('invalid_usage', `Unknown provider "${name}" (from ${source}).`, { param: 'providers', hint: `Registered providers: ${registered.join(', ')}.` });
    }
  }
  return [...new Set(names)];
}

/** Reads the config file (explicit path must exist; the default may be absent). */
export function readConfigFile(cwd: string, explicit?: string): { file: string | null; config: ConfigFile } {
  const file = path.resolve(cwd, explicit ?? CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return { file: null, config: {} };
    throw new PaycliError('invalid_config', `Cannot read config file ${file}: ${(err as Error).message}`, { hint: 'Check the path given to --config.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PaycliError('invalid_config', `Config file ${file} is not valid JSON: ${(err as Error).message}`, { hint: 'Fix the JSON or remove the file.' });
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '');
    throw new PaycliError('invalid_config', `Config file ${file}: ${where ? `"${where}" ` : ''}${issue.message}`, {
      param: where || undefined,
      hint: `Allowed keys: ${Object.keys(configFileSchema.shape).join(', ')}.`,
    });
  }
  return { file, config: parsed.data };
}

export function parseSigning(value: string, source: string): WechatpaySigning {
  if ((WECHATPAY_SIGNING_MODES as readonly string[]).includes(value)) return value as WechatpaySigning;
  throw new PaycliError('invalid_usage', `Invalid WeChat Pay signing mode "${value}" (from ${source}).`, {
    param: 'wechatpaySigning',
    hint: `Use ${WECHATPAY_SIGNING_MODES.join(' or ')}.`,
  });
}

function parsePort(value: string | number, source: string): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new PaycliError('invalid_usage', `Invalid port "${value}" (from ${source}): use a number from 0 to 65535.`, { hint: 'e.g. --port 4242, or 0 for any free port.' });
  }
  return n;
}

/**
 * Resolves the configuration for one command run.
 *
 * @example
 * const config = resolveConfig({ port: opts.port }, process.env, process.cwd());
 */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv, cwd: string, registry: ProviderNames = { names: ['paycli'] }): ResolvedConfig {
  const { file, config } = readConfigFile(cwd, flags.config ?? env.PAYCLI_CONFIG);
  const pick = <T>(...values: (T | undefined | null | '')[]): T | undefined => values.find((v) => v !== undefined && v !== null && v !== '') as T | undefined;
  const portRaw = pick<string | number>(flags.port, env.PAYCLI_PORT, config.port);
  const bool = (v: string | undefined) => (v === undefined ? undefined : v === '1' || v.toLowerCase() === 'true');
  const providersRaw = pick<string | string[]>(flags.providers, env.PAYCLI_PROVIDERS, config.providers);
  const providersSource = flags.providers !== undefined ? '--providers' : env.PAYCLI_PROVIDERS ? 'PAYCLI_PROVIDERS' : 'the config file';
  const providerPorts: Record<string, number> = {};
  for (const name of registry.names) {
    if (name === 'paycli') continue;
    const flag = (flags as Record<string, string | number | undefined>)[portFlagKey(name)];
    const envVar = portEnvVar(name);
    const raw = pick<string | number>(flag, env[envVar], config.ports?.[name]);
    if (raw !== undefined) providerPorts[name] = parsePort(raw, flag !== undefined ? `--${name}-port` : env[envVar] ? envVar : 'the config file');
  }
  for (const name of Object.keys(config.ports ?? {})) {
    if (!registry.names.includes(name)) {
      throw new PaycliError('invalid_config', `Config file ${file}: "ports.${name}" names no registered provider.`, { param: `ports.${name}`, hint: `Registered providers: ${registry.names.join(', ')}.` });
    }
  }
  const signingRaw = pick<string>(flags.wechatpaySigning, env.PAYCLI_WECHATPAY_SIGNING, config.wechatpaySigning);
  const signingSource = flags.wechatpaySigning !== undefined ? '--wechatpay-signing' : env.PAYCLI_WECHATPAY_SIGNING ? 'PAYCLI_WECHATPAY_SIGNING' : 'the config file';
  return {
    providers: providersRaw === undefined ? null : parseProviderList(providersRaw, providersSource, registry.names),
    providerPorts,
    wechatpaySigning: signingRaw === undefined ? null : parseSigning(signingRaw, signingSource),
    port: portRaw === undefined ? 4242 : parsePort(portRaw, flags.port !== undefined ? '--port' : env.PAYCLI_PORT ? 'PAYCLI_PORT' : 'the config file'),
    host: pick(flags.host, env.PAYCLI_HOST, config.host) ?? '127.0.0.1',
    data: path.resolve(cwd, pick(flags.data, env.PAYCLI_DATA, config.data) ?? DEFAULT_DATA_FILE),
    inMemory: pick(flags.inMemory, bool(env.PAYCLI_IN_MEMORY), config.inMemory) ?? false,
    forwardTo: pick(flags.forwardTo, env.PAYCLI_FORWARD_TO, config.forwardTo) ?? null,
    retrySchedule: pick(flags.retrySchedule, env.PAYCLI_RETRY_SCHEDULE, config.retrySchedule) ?? null,
    allowHosts: pick(flags.allowHost, env.PAYCLI_ALLOW_HOSTS?.split(',').map((h) => h.trim()).filter(Boolean), config.allowHosts) ?? [],
    sandboxUrl: pick(flags.sandboxUrl, env.PAYCLI_SANDBOX_URL, config.sandboxUrl) ?? null,
    apiKey: pick(flags.apiKey, env.PAYCLI_API_KEY, config.apiKey) ?? null,
    ngrokAuthtoken: pick(flags.authtoken, env.NGROK_AUTHTOKEN, config.ngrokAuthtoken) ?? null,
    configFile: file,
  };
}
