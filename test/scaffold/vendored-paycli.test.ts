/**
 * `paycli init` run from a checkout: the app depends on a packed paycli inside it (vendor/paycli-<v>.tgz,
 * a relative path), never on the checkout's absolute path, so a clean copy of the app (what a CI runner
 * checks out) installs and runs paycli. "Next steps" labels each command for what it does.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runInit } from '../../src/commands/init.js';
import { npm, ok, ROOT, run, tempDir } from './harness.js';

afterEach(() => vi.restoreAllMocks());

describe('init from a checkout', () => {
  test('vendors a packed paycli that a clean copy of the app installs and runs', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const cwd = tempDir();
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await runInit({ framework: 'express', language: 'js', dir: 'shop', ci: true, yes: true }, { cwd, interactive: false })).toBe(0);
    vi.restoreAllMocks();
    const app = path.join(cwd, 'shop');

    const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.paycli).toBe(`file:vendor/paycli-${version}.tgz`);
    expect(existsSync(path.join(app, 'vendor', `paycli-${version}.tgz`))).toBe(true);
    for (const file of ['package.json', '.github/workflows/payments.yml']) expect(readFileSync(path.join(app, file), 'utf8'), file).not.toContain(ROOT);
    expect(out).toContain(`created         vendor/paycli-${version}.tgz`);
    expect(out).toMatch(/npm test\s+# the unit tests/);
    expect(out).toMatch(/npm run test:scenarios\s+# replays the payment scenarios/);

    // What a CI runner has: a copy of the app somewhere else, and nothing of the checkout.
    const runner = path.join(tempDir('paycli-runner-'), 'checkout');
    cpSync(app, runner, { recursive: true });
    expect(readdirSync(runner)).not.toContain('node_modules');
    ok('npm install', await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], runner, 300_000));
    const versionOut = ok('paycli --version', await run(process.execPath, [path.join(runner, 'node_modules', 'paycli', 'bin', 'paycli.js'), '--version'], { cwd: runner }));
    expect(versionOut.stdout.trim()).toBe(version);
    const scenarioList = ok('paycli scenario list', await run(process.execPath, [path.join(runner, 'node_modules', 'paycli', 'bin', 'paycli.js'), 'scenario', 'list', '--builtin', 'conformance', '--json'], { cwd: runner }));
    expect(JSON.parse(scenarioList.stdout)).toHaveLength(5);
  }, 400_000);
});
