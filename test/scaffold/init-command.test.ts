/**
 * `paycli init` without installing anything: the plan of every template, the never-overwrite rule, dry
 * runs, interactive answers (injected prompts), and the CLI end to end through bin/paycli.js.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { runInit } from '../../src/commands/init.js';
import { PaycliError } from '../../src/errors.js';
import { packageNameFrom, planScaffold, render } from '../../src/scaffold/plan.js';
import type { PromptApi } from '../../src/scaffold/questions.js';
import { targetPath, TEMPLATES_DIR } from '../../src/scaffold/template-source.js';
import { TEMPLATES } from '../../src/scaffold/templates.js';
import { writeScaffold } from '../../src/scaffold/write.js';
import { loadScenarios } from '../../src/scenarios/loader.js';
import { parse as parseYaml } from 'yaml';
import { paycli, ROOT, tempDir } from './harness.js';

/** Every file under a directory, relative, with its modification time. */
function snapshot(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), statSync(full).mtimeMs);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const quietly = () => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('planScaffold', () => {
  const REQUIRED = ['.env.example', 'README.md', 'package.json', 'scenarios/', 'test/', '.github/workflows/payments.yml'];

  test.each(TEMPLATES.map((t) => [t.id, t] as const))('%s: every part of the integration, no placeholder left, no paycli import', (_id, t) => {
    const files = planScaffold({ framework: t.framework, language: t.language, projectName: 'shop', ci: true, paycliVersion: '^0.1.0' });
    const paths = files.map((f) => f.path);
    for (const part of REQUIRED) expect(paths.some((p) => p.startsWith(part)), part).toBe(true);
    for (const f of files) {
      expect(f.contents, f.path).not.toMatch(/@@\w+@@/);
      expect(f.path, 'template suffix dropped').not.toMatch(/\.tmpl$|(^|\/)dot-/);
      // The app talks HTTP to the PSP; paycli is only a devDependency for tests and CI.
      if (/\.(ts|js|tsx)$/.test(f.path)) expect(f.contents, f.path).not.toMatch(/from ['"]paycli/);
    }
    const env = files.find((f) => f.path === '.env.example')!.contents;
    for (const v of ['PSP_BASE_URL=http://127.0.0.1:4242', 'PSP_SECRET_KEY=', 'PSP_WEBHOOK_SECRET=']) expect(env).toContain(v);
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.contents);
    expect(pkg.name).toBe('shop');
    expect(pkg.dependencies.paycli).toBeUndefined();
    expect(pkg.devDependencies.paycli).toBe('^0.1.0');
    expect(pkg.dependencies.standardwebhooks).toMatch(/^\^?\d+\.\d+\.\d+$/);
    // The generated tests run on node:test.
    expect(pkg.scripts.test).toMatch(/^node (--import tsx )?--test /);
    const source = files.filter((f) => f.path.startsWith('src/')).map((f) => f.contents).join('\n');
    expect(source).toContain("'idempotency-key'");
    expect(source).toContain('authorization: `Bearer ');
    expect(source).toMatch(/new Map[<(]/);
  });

  test.each(TEMPLATES.map((t) => [t.id, t] as const))("%s: the scenario files are valid and the workflow parses", (_id, t) => {
    const dir = tempDir();
    writeScaffold(dir, planScaffold({ framework: t.framework, language: t.language, projectName: 'shop', ci: true, paycliVersion: '^0.1.0' }));
    expect(loadScenarios([path.join(dir, 'scenarios')], dir).length).toBe(3);
    const workflow = parseYaml(readFileSync(path.join(dir, '.github', 'workflows', 'payments.yml'), 'utf8'));
    const steps = workflow.jobs.scenarios.steps as { run?: string; uses?: string }[];
    expect(steps.some((s) => s.run?.includes('npx paycli scenario run scenarios --builtin conformance --reporter junit'))).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('mikepenz/action-junit-report'))).toBe(true);
  });

  test('without --ci there is no workflow', () => {
    const files = planScaffold({ framework: 'express', language: 'ts', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' });
    expect(files.some((f) => f.path.startsWith('.github/'))).toBe(false);
  });

  test('an impossible pair is a usage error naming what exists', () => {
    try {
      planScaffold({ framework: 'nextjs', language: 'js', projectName: 'shop', ci: true, paycliVersion: '^0.1.0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PaycliError);
      expect((err as PaycliError).code).toBe('invalid_usage');
      expect((err as PaycliError).hint).toContain('TypeScript');
    }
  });

  test('template paths and placeholders', () => {
    expect(targetPath('dot-github/workflows/ci.yml.tmpl')).toBe('.github/workflows/ci.yml');
    expect(targetPath('src/app/orders/[id]/route.ts.tmpl')).toBe('src/app/orders/[id]/route.ts');
    expect(() => render('x @@nope@@', {}, 'f')).toThrow(/unknown placeholder @@nope@@/);
    expect(packageNameFrom('My Shop!')).toBe('my-shop');
    expect(packageNameFrom('...')).toBe('payments-app');
    expect(TEMPLATES_DIR).toBe(path.join(ROOT, 'src', 'scaffold', 'templates') + path.sep);
  });
});

describe('writeScaffold', () => {
  const plan = [
    { path: 'a.txt', contents: 'A\n' },
    { path: 'sub/b.txt', contents: 'B\n' },
  ];

  test('a second run changes nothing; an edited file stops the whole run unless forced', () => {
    const dir = tempDir();
    expect(writeScaffold(dir, plan).wrote).toBe(true);
    const before = snapshot(dir);
    const again = writeScaffold(dir, plan);
    expect(again).toMatchObject({ wrote: false, conflicts: [] });
    expect(again.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect(snapshot(dir)).toEqual(before);

    writeFileSync(path.join(dir, 'a.txt'), 'my edit\n');
    const refused = writeScaffold(dir, [...plan, { path: 'c.txt', contents: 'C\n' }]);
    expect(refused).toMatchObject({ wrote: false, conflicts: ['a.txt'] });
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('my edit\n');
    expect(existsSync(path.join(dir, 'c.txt'))).toBe(false);

    const forced = writeScaffold(dir, plan, { force: true });
    expect(forced.files.find((f) => f.path === 'a.txt')!.action).toBe('overwrite');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('A\n');
  });

  test('a dry run writes nothing, not even the directory', () => {
    const dir = path.join(tempDir(), 'new');
    const r = writeScaffold(dir, plan, { dryRun: true });
    expect(r.files.map((f) => f.action)).toEqual(['create', 'create']);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('runInit', () => {
  let cwd = '';
  beforeEach(() => {
    cwd = tempDir();
    quietly();
  });

  test('interactive: asks what the flags leave open, with injected prompts', async () => {
    const asked: string[] = [];
    const prompt: PromptApi = {
      select: async (c) => {
        asked.push(c.message);
        return (c.message === 'Framework' ? 'fastify' : 'ts') as never;
      },
      input: async (c) => {
        asked.push(c.message);
        return 'shop';
      },
      confirm: async (c) => {
        asked.push(c.message);
        return false;
      },
    };
    expect(await runInit({}, { cwd, interactive: true, prompt })).toBe(0);
    // Fastify has one language, so that question is skipped.
    expect(asked).toEqual(['Framework', 'Target directory', expect.stringContaining('GitHub Actions')]);
    expect(JSON.parse(readFileSync(path.join(cwd, 'shop', 'package.json'), 'utf8')).dependencies.fastify).toBeDefined();
    expect(existsSync(path.join(cwd, 'shop', '.github'))).toBe(false);
  });

  test('flags answer everything: no prompt even in a terminal', async () => {
    const prompt = new Proxy({}, { get: () => () => Promise.reject(new Error('asked')) }) as PromptApi;
    expect(await runInit({ framework: 'express', language: 'js', dir: 'app', ci: true }, { cwd, interactive: true, prompt })).toBe(0);
    expect(existsSync(path.join(cwd, 'app', 'src', 'server.js'))).toBe(true);
    expect(await runInit({ yes: true, dir: 'defaults' }, { cwd, interactive: true, prompt })).toBe(0);
    expect(existsSync(path.join(cwd, 'defaults', 'src', 'server.ts'))).toBe(true);
  });

  test('an edited file: nothing written, file_exists naming the cause', async () => {
    await runInit({ framework: 'express', language: 'ts', dir: '.', yes: true }, { cwd, interactive: false });
    writeFileSync(path.join(cwd, 'src', 'app.ts'), '// mine\n');
    await expect(runInit({ framework: 'express', language: 'ts', dir: '.', yes: true }, { cwd, interactive: false })).rejects.toMatchObject({
      code: 'file_exists',
      hint: expect.stringContaining('--force'),
    });
    expect(readFileSync(path.join(cwd, 'src', 'app.ts'), 'utf8')).toBe('// mine\n');
  });
});

describe('paycli init (CLI)', () => {
  test('--dry-run writes nothing; a real run writes; a second run changes nothing and says why; an edit is refused with exit 1', async () => {
    const cwd = tempDir();
    const dry = await paycli(['init', '--framework', 'express', '--language', 'ts', '--dir', 'shop', '--yes', '--dry-run'], cwd);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would create');
    expect(dry.stdout).toContain('src/notifications.ts');
    expect(existsSync(path.join(cwd, 'shop'))).toBe(false);

    const first = await paycli(['init', '--framework', 'express', '--language', 'ts', '--dir', 'shop', '--yes'], cwd);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created');
    const before = snapshot(path.join(cwd, 'shop'));

    const second = await paycli(['init', '--framework', 'express', '--language', 'ts', '--dir', 'shop', '--yes'], cwd);
    expect(second.code).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/Nothing to do: all \d+ files of express-ts in shop already exist with the same contents/);
    expect(snapshot(path.join(cwd, 'shop'))).toEqual(before);

    writeFileSync(path.join(cwd, 'shop', '.env.example'), 'PSP_BASE_URL=https://psp.example\n');
    const third = await paycli(['init', '--framework', 'express', '--language', 'ts', '--dir', 'shop', '--yes'], cwd);
    expect(third.code).toBe(1);
    expect(third.stdout).toContain('.env.example');
    expect(third.stderr).toContain('file_exists');
    expect(third.stderr).toContain('--force');
    expect(readFileSync(path.join(cwd, 'shop', '.env.example'), 'utf8')).toBe('PSP_BASE_URL=https://psp.example\n');
  });

  test('bad flags are usage errors (exit 2)', async () => {
    const cwd = tempDir();
    const r = await paycli(['init', '--framework', 'rails', '--yes'], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown framework "rails"');
    const pair = await paycli(['init', '--framework', 'nextjs', '--language', 'js', '--yes'], cwd);
    expect(pair.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
