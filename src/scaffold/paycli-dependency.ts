import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PaycliError } from '../errors.js';

/** Where the packed paycli goes inside a generated app, when it must be vendored. */
export const VENDOR_DIR = 'vendor';

export interface PaycliDependency {
  /** The devDependency spec written to the app's package.json. */
  spec: string;
  /** Set when paycli must be packed into the app (`vendor/paycli-<version>.tgz`), relative to the app. */
  vendorFile: string | null;
}

/**
 * How a generated app depends on the paycli that generated it (a devDependency, for its tests and CI).
 * Installed from the registry (paycli lives in some node_modules), that is a version range. Run from a
 * clone or a linked checkout, no registry has that build, and a `file:` path to the checkout would not
 * exist on a CI runner: the build is packed into the app (`vendor/paycli-<version>.tgz`, committed with it)
 * and the app depends on that relative path, which installs anywhere.
 *
 * @example
 * paycliDependency('/home/me/shop/node_modules/paycli', '0.1.0'); // { spec: '^0.1.0', vendorFile: null }
 * paycliDependency('/home/me/src/paycli', '0.1.0');               // { spec: 'file:vendor/paycli-0.1.0.tgz', … }
 */
export function paycliDependency(packageRoot: string, version: string): PaycliDependency {
  const parts = path.resolve(packageRoot).split(path.sep);
  if (parts.includes('node_modules')) return { spec: `^${version}`, vendorFile: null };
  const vendorFile = `${VENDOR_DIR}/paycli-${version}.tgz`;
  return { spec: `file:${vendorFile}`, vendorFile };
}

/**
 * Packs the paycli checkout at `packageRoot` into `appDir/vendor/` with `npm pack` (its `files` list: the
 * built `dist/`, templates, scenarios). Scripts are not run: the checkout is already built.
 */
export async function vendorPaycli(packageRoot: string, appDir: string): Promise<string> {
  const dest = path.join(appDir, VENDOR_DIR);
  mkdirSync(dest, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    const { stdout } = await promisify(execFile)(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dest, packageRoot], { cwd: appDir, timeout: 120_000 });
    return path.join(dest, stdout.trim().split('\n').at(-1)!);
  } catch (err) {
    throw new PaycliError('internal_error', `Could not pack paycli into ${dest}: ${(err as Error).message}`, { cause: err });
  }
}
