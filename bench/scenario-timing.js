/**
 * (d) The wall time of `paycli scenario run scenarios` against the reference merchant app the scenario
 * tests use (test/fixtures/reference-app.ts, transpiled here into bench/results/; no type-check, that is
 * `npm test`'s job), as a CI job would run it: a fresh CLI process, the app already up.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { child, stop } from './children.js';

const KEY = 'sk_test_bench_scenarios';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const FIXTURES = ['app-server.ts', 'reference-app.ts'];

/** Transpiles the reference app to JavaScript; returns the module's path, or null if it is not there. */
async function prepareReferenceApp(root) {
  const from = path.join(root, 'test/fixtures');
  if (!FIXTURES.every((f) => existsSync(path.join(from, f)))) return null;
  const { default: ts } = await import('typescript');
  const to = path.join(root, 'bench/results/reference-app');
  mkdirSync(to, { recursive: true });
  for (const file of FIXTURES) {
    const out = ts.transpileModule(readFileSync(path.join(from, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(path.join(to, file.replace(/\.ts$/, '.js')), out.outputText);
  }
  return path.join(to, 'reference-app.js');
}

/** A port that was free a moment ago: the CLI's sandbox must listen where the app was told it is. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Times the run; returns { row, result } for the report, or a skipped row. */
export async function timeScenarios(root, log) {
  const target = '< 5 s';
  const skip = (why) => ({ row: { id: 'd', what: 'paycli scenario run scenarios', value: 'skipped', baseline: '', ratio: null, target, met: null, note: why }, result: { skipped: why } });
  // commander prints the top-level help (exit 0) for `unknown-command --help`, so look for it in the list.
  const help = spawnSync(process.execPath, ['bin/paycli.js', '--help'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  if (!/^\s+scenario\b/m.test(help.stdout) || !existsSync(path.join(root, 'scenarios'))) return skip('the `paycli scenario run` command or the scenarios/ folder does not exist yet');
  const appModule = await prepareReferenceApp(root);
  if (!appModule) return skip('test/fixtures/reference-app.ts (the app the scenarios run against) does not exist yet');

  log('timing `paycli scenario run scenarios` against the reference app…');
  const port = await freePort();
  const app = await child('app', appModule, `http://127.0.0.1:${port}`, KEY, SECRET);
  try {
    const args = ['bin/paycli.js', 'scenario', 'run', 'scenarios', '--port', String(port), '--api-key', KEY, '--webhook-secret', SECRET, '--app-url', app.msg.url];
    const started = performance.now();
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    const summary = /(\d+) scenarios?: [^\n]*/.exec(run.stdout)?.[0] ?? '';
    const result = { seconds, exit_code: run.status, summary, stderr: run.stderr.slice(-2000) };
    const row = {
      id: 'd',
      what: 'paycli scenario run scenarios',
      value: `${seconds.toFixed(2)} s`,
      baseline: '',
      ratio: null,
      target,
      met: run.status === 0 && seconds < 5,
      note: `${summary || 'no summary'}${run.status === 0 ? '' : ` (exit ${run.status ?? run.signal})`}; a fresh CLI process, its in-process sandbox on a virtual clock, the reference app already up`,
    };
    return { row, result };
  } finally {
    await stop(app.proc);
  }
}
