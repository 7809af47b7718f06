/**
 * `import { startSandbox } from 'paycli'` from a scratch TypeScript project, against the packed package:
 * `npm pack` (what `npm publish` would upload), unpacked into the project's node_modules as `npm install`
 * does, type-checked with the project's own strict tsconfig, compiled and run. This catches a missing
 * `dist/index.js`, a file left out of `files`, a broken `exports` map and types that do not resolve.
 *
 * The test runs offline: the package's dependencies resolve from this repository's node_modules, because
 * the scratch project lives in a (git-ignored) folder inside the repository and Node and TypeScript look
 * for packages in every parent folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scratchParent = path.join(root, '.scratch');
mkdirSync(scratchParent, { recursive: true });
const scratch = mkdtempSync(path.join(scratchParent, 'library-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const PROGRAM = `
import { startSandbox, FakeClock, PaycliError, PROVIDER_NAMES, type Payment, type Sandbox, type SandboxOptions } from 'paycli';

const clock = new FakeClock(Date.UTC(2026, 0, 1));
const options: SandboxOptions = { port: 0, inMemory: true, clock };
const sandbox: Sandbox = await startSandbox(options);
try {
  const res = await fetch(sandbox.url + '/v1/payments', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + sandbox.merchant.secret_key, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 1200, currency: 'eur', merchant_order_id: 'o-1', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } }),
  });
  const payment = (await res.json()) as Payment;
  const error = new PaycliError('invalid_usage', 'typed');
  console.log(JSON.stringify({ status: res.status, payment: payment.status, created: payment.created, providers: Object.keys(sandbox.providers), names: PROVIDER_NAMES, isError: error instanceof Error, code: error.code }));
} finally {
  await sandbox.close();
}
`;

describe('the packed package as a library', () => {
  it('installs into a scratch project and imports from TypeScript', { timeout: 120_000 }, () => {
    // dist/ is built by the global setup; packing must not rebuild it (the prepare script would).
    execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    expect(tarball).toMatch(/^paycli-\d+\.\d+\.\d+\.tgz$/);

    const pkgDir = path.join(scratch, 'node_modules', 'paycli');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(scratch, tarball), '-C', pkgDir, '--strip-components=1']);

    writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', types: ['node'], skipLibCheck: true } }),
    );
    writeFileSync(path.join(scratch, 'main.ts'), PROGRAM);
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: scratch, stdio: 'pipe' });
    } catch (err) {
      throw new Error(`tsc failed:\n${String((err as { stdout?: Buffer }).stdout ?? err)}`);
    }
    const out = execFileSync(process.execPath, [path.join(scratch, 'out', 'main.js')], { cwd: scratch, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({
      status: 201,
      payment: 'succeeded',
      created: Date.UTC(2026, 0, 1) / 1000,
      providers: ['paycli'],
      // Every registered provider, in table order (the library serves only paycli unless asked).
      names: ['paycli', 'stripe', 'alipay', 'wechatpay'],
      isError: true,
      code: 'invalid_usage',
    });
  });
});
