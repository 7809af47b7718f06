/**
 * What a run of provider scenarios (`setup.provider: stripe|alipay|wechatpay`) adds to the in-process
 * environment: the provider's fixed credentials (`builtin/credentials/<provider>.json`, public test keys,
 * the same for every run, because the app under test is configured once and RSA keys cannot be derived
 * from a seed), its key files for the app's SDK, and a fixed front on the provider's port in front of each
 * scenario's sandbox, so the app's SDK is pointed at one address for the whole run.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaycliError } from '../errors.js';
import { ensurePrivateDir, writePrivateFileSync } from '../private-files.js';
import type { AnyProvider, Provider } from '../providers/contract.js';
import { loadProviders } from '../providers/registry.js';
import { projectPath } from '../sandbox/provider-files.js';
import { SandboxFront } from './sandbox-front.js';

// The same relative path works from src/scenarios and from dist/scenarios.
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where each provider's fixed scenario credentials live in the package. */
export const CREDENTIALS_DIR = path.join(PACKAGE_ROOT, 'builtin', 'credentials');

/** A provider as a run of its scenarios serves it: what the app is configured with. */
export interface ProviderSetup {
  name: string;
  title: string;
  /** The fixed address the app's SDK uses for this provider. */
  url: string;
  port: number;
  /** The provider's `describe()`: keys, ids and key-file paths, as the app's settings. */
  settings: Record<string, unknown>;
  /** Key files written for the app's SDK: file name → path (0600). */
  files: Record<string, string>;
}

/** A started provider front with the credentials every scenario's sandbox gets. */
export interface ProviderRuntime extends ProviderSetup {
  front: SandboxFront;
  credentials: Record<string, unknown>;
}

/** The fixed credentials of a provider for scenario runs (without the file's `_comment`). */
export async function loadScenarioCredentials(provider: string): Promise<Record<string, unknown>> {
  const file = path.join(CREDENTIALS_DIR, `${provider}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PaycliError('internal_error', `No scenario credentials for ${provider} (builtin/credentials/${provider}.json is missing from the package).`, {
      hint: `Generate them with: npx tsx scripts/scenario-credentials.ts ${provider}`,
    });
  }
  const { _comment: _c, ...creds } = JSON.parse(text) as Record<string, unknown>;
  return creds;
}

/**
 * Writes a provider's key files for the app's SDK into `where.dir` (0700; each file 0600), their README
 * and `.env` naming `where.url`: file name → path. Used when a run starts and by `scenario credentials`,
 * which writes them before the app starts.
 */
export async function writeScenarioKeyFiles(
  provider: Provider,
  credentials: Record<string, unknown>,
  where: { url: string; dir: string; cwd?: string },
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const wanted = provider.files?.(credentials, { url: where.url, dir: projectPath(where.dir, where.cwd) }) ?? {};
  if (Object.keys(wanted).length === 0) return files;
  await ensurePrivateDir(where.dir);
  for (const [file, contents] of Object.entries(wanted)) {
    files[file] = path.join(where.dir, file);
    writePrivateFileSync(files[file], contents);
  }
  return files;
}

export interface ProviderFrontOptions {
  host: string;
  /** Port per provider; default its `defaultPort`. */
  ports?: Readonly<Record<string, number>>;
  /** Key files go to `<keyDir>/<provider>/`; null: a private temporary folder, removed on close. */
  keyDir?: string | null;
  /** Credentials per provider instead of the fixed files (tests of a provider whose file is not made yet). */
  credentials?: Readonly<Record<string, Record<string, unknown>>>;
  /** The provider table (default: the registry), e.g. with WeChat Pay signing with its platform certificate. */
  registry?: Readonly<Record<string, AnyProvider>>;
}

/** Starts a front per provider, loads its credentials and writes its key files; `close` undoes it all. */
export async function startProviderFronts(names: readonly string[], opts: ProviderFrontOptions): Promise<{ runtimes: Record<string, ProviderRuntime>; close(): Promise<void> }> {
  const runtimes: Record<string, ProviderRuntime> = {};
  if (names.length === 0) return { runtimes, close: async () => {} };
  const registry = opts.registry ?? (await loadProviders());
  const temp = opts.keyDir ? null : path.join(tmpdir(), `paycli-scenario-keys-${process.pid}-${Date.now().toString(36)}`);
  const keyRoot = opts.keyDir ?? temp!;
  const close = async () => {
    await Promise.all(Object.values(runtimes).map((r) => r.front.close()));
    if (temp) await rm(temp, { recursive: true, force: true });
  };
  try {
    for (const name of names) {
      const provider = registry[name];
      if (!provider) throw new PaycliError('invalid_usage', `Unknown provider "${name}".`, { hint: `Registered providers: ${Object.keys(registry).join(', ')}.` });
      const credentials = opts.credentials?.[name] ?? (await loadScenarioCredentials(name));
      const front = await SandboxFront.start(opts.ports?.[name] ?? provider.defaultPort, opts.host, `--${name}-port`);
      runtimes[name] = { name, title: provider.title, url: front.url, port: front.port, settings: {}, files: {}, front, credentials };
      const files = await writeScenarioKeyFiles(provider, credentials, { url: front.url, dir: path.join(keyRoot, name) });
      runtimes[name] = {
        name,
        title: provider.title,
        url: front.url,
        port: front.port,
        settings: provider.describe(credentials, { url: front.url, files }),
        files,
        front,
        credentials,
      };
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { runtimes, close };
}
