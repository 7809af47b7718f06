import path from 'node:path';

/**
 * How a generated app depends on the paycli that generated it (a devDependency, for its tests and CI).
 * Installed from the registry (paycli lives in some node_modules), that is a version range. Run from a
 * clone or a linked checkout, no registry has that build, so the app points at the checkout itself;
 * otherwise the app's first `npm install` would fail.
 *
 * @example
 * paycliDependencySpec('/home/me/shop/node_modules/paycli', '0.1.0'); // '^0.1.0'
 * paycliDependencySpec('/home/me/src/paycli', '0.1.0');               // 'file:/home/me/src/paycli'
 */
export function paycliDependencySpec(packageRoot: string, version: string): string {
  const parts = path.resolve(packageRoot).split(path.sep);
  return parts.includes('node_modules') ? `^${version}` : `file:${path.resolve(packageRoot)}`;
}
