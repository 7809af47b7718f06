/**
 * `paycli scenario credentials --provider <p>`: writes the key files of a provider's fixed scenario
 * credentials and prints the settings the app needs, without running anything. The app under test reads
 * its keys when it starts, which is before `scenario run`; so CI writes the keys, starts the app, then runs.
 */
import path from 'node:path';
import { DEFAULT_DATA_FILE, portEnvVar, portFlagKey } from '../config.js';
import { EXIT, PaycliError } from '../errors.js';
import { loadProvidersSigning, PROVIDER_NAMES } from '../providers/registry.js';
import { projectPath } from '../sandbox/provider-files.js';
import { loadScenarioCredentials, writeScenarioKeyFiles } from '../scenarios/provider-environment.js';
import { NATIVE_PROVIDER } from '../scenarios/scenario-drivers.js';
import { c } from './output.js';
import { wechatpaySigningOf, type ScenarioDeps } from './scenario-run.js';

export interface ScenarioCredentialsOptions {
  provider?: string;
  out?: string;
  json?: boolean;
  /** `--wechatpay-signing`: the key the run's WeChat Pay signs with, which the app must verify with. */
  wechatpaySigning?: string;
  /** `--<provider>-port` of each provider (commander's `alipayPort`, …). */
  [providerPort: `${string}Port`]: string | undefined;
}

/** Commander entry point. */
export async function scenarioCredentials(opts: ScenarioCredentialsOptions): Promise<number> {
  return runScenarioCredentials(opts, { cwd: process.cwd(), env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

/** Writes the key files of `opts.provider` (default folder: where `scenario run` writes them) and prints the settings. */
export async function runScenarioCredentials(opts: ScenarioCredentialsOptions, deps: ScenarioDeps): Promise<number> {
  const scenarioProviders = PROVIDER_NAMES.filter((p) => p !== NATIVE_PROVIDER);
  const name = opts.provider;
  if (!name || !scenarioProviders.includes(name)) {
    throw new PaycliError('invalid_usage', name ? `Unknown scenario provider "${name}" (from --provider).` : 'Missing --provider.', {
      hint: `Use one of: ${scenarioProviders.join(', ')}. Native scenarios need no key files.`,
    });
  }
  const provider = (await loadProvidersSigning(wechatpaySigningOf(opts, deps.env)))[name]!;
  const flag = opts[portFlagKey(name)];
  const portText = flag ?? deps.env[portEnvVar(name)];
  const port = portText === undefined || portText === '' ? provider.defaultPort : fixedPort(portText, flag ? `--${name}-port` : portEnvVar(name));
  const url = `http://127.0.0.1:${port}`;
  // The same folder `scenario run` writes to, so a run rewrites the same files with the same contents.
  const dir = path.resolve(deps.cwd, opts.out ?? path.join(path.dirname(DEFAULT_DATA_FILE), 'scenario', name));
  const credentials = await loadScenarioCredentials(name);
  const files = await writeScenarioKeyFiles(provider, credentials, { url, dir, cwd: deps.cwd });
  const settings = provider.describe(credentials, { url, files });
  if (opts.json) {
    deps.stdout(JSON.stringify({ provider: name, title: provider.title, url, dir, files, settings }, null, 2) + '\n');
    return EXIT.ok;
  }
  const count = Object.keys(files).length;
  deps.stdout(count > 0 ? `Wrote ${count} key file${count === 1 ? '' : 's'} for ${provider.title} to ${projectPath(dir, deps.cwd)}/\n` : `${provider.title} needs no key files.\n`);
  deps.stdout(`${c.dim(`Configure the app with these settings, start it, then run its scenarios (paycli scenario run …, --${name}-port ${port}):`)}\n`);
  const entries = Object.entries(settings);
  const width = Math.max(...entries.map(([key]) => key.length));
  for (const [key, value] of entries) deps.stdout(`  ${key.padEnd(width)} ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  return EXIT.ok;
}

/** A fixed port: the app is configured with it before the run, so 0 (any free port) cannot be named. */
function fixedPort(text: string, source: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new PaycliError('invalid_usage', `Invalid port "${text}" (from ${source}).`, { hint: 'Use the port `scenario run` will serve the provider on, from 1 to 65535.' });
  }
  return n;
}
