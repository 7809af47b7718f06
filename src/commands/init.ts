/**
 * `paycli init`: scaffolds a merchant app (Express, Fastify or Next.js) that integrates with a PSP the
 * correct way, plus scenario files and a CI workflow that prove it. Asks for what the flags leave open when
 * run in a terminal; the behaviour lives in src/scaffold/.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, PaycliError } from '../errors.js';
import { paycliDependency, vendorPaycli } from '../scaffold/paycli-dependency.js';
import { packageNameFrom, planScaffold } from '../scaffold/plan.js';
import { pspNextSteps } from '../scaffold/psp-next-steps.js';
import { completeAnswers, type InitAnswers, type PromptApi } from '../scaffold/questions.js';
import { findTemplate, FRAMEWORKS, LANGUAGES, PSPS, type Framework, type Language, type Psp } from '../scaffold/templates.js';
import { writeScaffold, type FileAction, type WriteResult } from '../scaffold/write.js';
import { c, err, jsonLine, out } from './output.js';

export interface InitOptions {
  /** `paycli` (default), or another PSP whose template speaks its protocol through its SDK: `alipay` (alipay-sdk), `wechatpay` (wechatpay-axios-plugin), `stripe` (stripe-node). */
  psp?: string;
  framework?: string;
  language?: string;
  dir?: string;
  ci?: boolean;
  yes?: boolean;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** What the command takes from its surroundings; tests replace these. */
export interface InitDeps {
  cwd: string;
  /** Whether a person can answer questions (stdin and stdout are terminals). */
  interactive: boolean;
  /** The prompt functions; default @inquirer/prompts, loaded only when a question is asked. */
  prompt?: PromptApi;
}

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Commander entry point. */
export async function init(opts: InitOptions): Promise<number> {
  return runInit(opts, { cwd: process.cwd(), interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
}

async function inquirer(): Promise<PromptApi> {
  const p = await import('@inquirer/prompts');
  return { select: p.select as PromptApi['select'], input: p.input, confirm: p.confirm };
}

function given(opts: InitOptions): Partial<InitAnswers> {
  if (opts.psp !== undefined && !(PSPS as readonly string[]).includes(opts.psp)) {
    throw new PaycliError('invalid_usage', `Unknown PSP "${opts.psp}".`, { hint: `Use --psp ${PSPS.join('|')}.` });
  }
  if (opts.psp !== undefined && opts.psp !== 'paycli') {
    // One template per other PSP so far: nothing to ask about framework, language or CI.
    if (opts.ci === true) throw new PaycliError('invalid_usage', `The ${({ alipay: 'Alipay', wechatpay: 'WeChat Pay', stripe: 'Stripe' } as Record<string, string>)[opts.psp] ?? opts.psp} template has no CI workflow yet.`, { hint: 'Leave out --ci.' });
    findTemplate(opts.framework ?? 'express', opts.language ?? 'js', opts.psp);
    return { framework: (opts.framework ?? 'express') as Framework, language: (opts.language ?? 'js') as Language, ci: false, ...(opts.dir !== undefined ? { dir: opts.dir } : {}) };
  }
  if (opts.framework !== undefined && !(FRAMEWORKS as readonly string[]).includes(opts.framework)) {
    throw new PaycliError('invalid_usage', `Unknown framework "${opts.framework}".`, { hint: `Use --framework ${FRAMEWORKS.join('|')}.` });
  }
  if (opts.language !== undefined && !(LANGUAGES as readonly string[]).includes(opts.language)) {
    throw new PaycliError('invalid_usage', `Unknown language "${opts.language}".`, { hint: `Use --language ${LANGUAGES.join('|')}.` });
  }
  return {
    ...(opts.framework !== undefined ? { framework: opts.framework as Framework } : {}),
    ...(opts.language !== undefined ? { language: opts.language as Language } : {}),
    ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
    ...(opts.ci !== undefined ? { ci: opts.ci } : {}),
  };
}

/**
 * Plans, checks and writes the scaffold; returns the exit code (0 written or nothing to do, 1 refused
 * because files exist with other contents).
 *
 * @example
 * await runInit({ framework: 'express', language: 'ts', dir: 'shop', yes: true }, { cwd, interactive: false });
 */
export async function runInit(opts: InitOptions, deps: InitDeps): Promise<number> {
  const partial = given(opts);
  // Fail on an impossible pair before asking anything else.
  if (partial.framework && partial.language) findTemplate(partial.framework, partial.language);
  const ask = deps.interactive && !opts.yes && !opts.json;
  let answers: InitAnswers;
  try {
    answers = await completeAnswers(partial, ask ? (deps.prompt ?? (await inquirer())) : null);
  } catch (e) {
    // Ctrl-C at a question (@inquirer/prompts throws ExitPromptError): a choice, not a bug.
    if ((e as Error)?.name !== 'ExitPromptError') throw e;
    err('init canceled; nothing was written.');
    return EXIT.failed;
  }
  const dir = path.resolve(deps.cwd, answers.dir);
  const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
  const dependency = paycliDependency(packageRoot, pkg.version);
  const psp = (opts.psp ?? 'paycli') as Psp;
  const plan = planScaffold({
    psp,
    framework: answers.framework,
    language: answers.language,
    projectName: packageNameFrom(path.basename(dir)),
    ci: answers.ci,
    paycliVersion: dependency.spec,
  });
  const result = writeScaffold(dir, plan, { force: opts.force, dryRun: opts.dryRun });
  // From a checkout, the app's CI installs paycli from a tarball packed into the app (see paycli-dependency.ts).
  if (dependency.vendorFile && result.wrote && result.conflicts.length === 0 && !opts.dryRun) {
    await vendorPaycli(packageRoot, dir);
    result.files.push({ path: dependency.vendorFile, action: 'create' });
  } else if (dependency.vendorFile && opts.dryRun) {
    result.files.push({ path: dependency.vendorFile, action: 'create' });
  }
  const template = findTemplate(answers.framework, answers.language, psp).id;

  if (opts.json) {
    jsonLine({ template, dir, dry_run: Boolean(opts.dryRun), wrote: result.wrote, conflicts: result.conflicts, files: result.files });
  } else {
    render(result, template, deps.cwd, Boolean(opts.dryRun), psp);
  }
  if (result.conflicts.length > 0 && !opts.dryRun) {
    throw new PaycliError('file_exists', `Nothing written: ${result.conflicts.length} file(s) in ${dir} already exist with other contents.`, {
      hint: 'Your edits are kept. Re-run with --force to overwrite those files, or pick another --dir.',
    });
  }
  return 0;
}

const VERB: Record<FileAction, (s: string) => string> = {
  create: (s) => c.green(s),
  overwrite: (s) => c.yellow(s),
  unchanged: (s) => c.dim(s),
  conflict: (s) => c.red(s),
};

function verb(action: FileAction, dryRun: boolean): string {
  const word = dryRun ? { create: 'would create', overwrite: 'would overwrite', unchanged: 'unchanged', conflict: 'exists, differs' }[action] : { create: 'created', overwrite: 'overwrote', unchanged: 'unchanged', conflict: 'exists, differs' }[action];
  return VERB[action](word.padEnd(15));
}

function render(result: WriteResult, template: string, cwd: string, dryRun: boolean, psp: Psp): void {
  const shown = path.relative(cwd, result.dir) || '.';
  const refused = result.conflicts.length > 0;
  if (!dryRun && !refused && !result.wrote) {
    out(`Nothing to do: all ${result.files.length} files of ${template} in ${shown} already exist with the same contents.`);
    return;
  }
  out(`${dryRun ? 'Dry run: ' : ''}${c.bold(template)} in ${shown}`);
  let unchanged = 0;
  for (const f of result.files) {
    // A refused run lists only what stopped it; unchanged files are counted, not listed.
    if (refused && !dryRun && f.action !== 'conflict') continue;
    if (f.action === 'unchanged' && !dryRun) {
      unchanged++;
      continue;
    }
    out(`  ${verb(f.action, dryRun)} ${f.path}`);
  }
  if (unchanged > 0) out(c.dim(`  (${unchanged} file(s) already up to date)`));
  if (dryRun) {
    out(c.dim('Nothing was written (--dry-run).'));
    if (refused) out(c.dim('A real run would stop at the files marked "exists, differs" unless --force is given.'));
    return;
  }
  if (refused) return;
  const cd = shown === '.' ? [] : [`cd ${shown}`];
  out('');
  out(c.bold('Next steps'));
  const steps =
    psp === 'alipay'
      ? [
          ...cd,
          'npm install',
          'npx paycli sandbox start          # in another terminal; writes the Alipay keys to .paycli/alipay/',
          'cp .paycli/alipay/alipay.env .env # app id, gateway, endpoint and key paths',
          'npm run dev',
          'npm test                          # the notify receiver against alipay-sdk',
        ]
      : pspNextSteps(psp, cd);
  for (const line of steps ?? [
    ...cd,
    'npm install',
    'npx paycli sandbox start          # in another terminal; prints the keys',
    'cp .env.example .env              # paste the secret key and webhook secret',
    'npm run dev',
    'npm test                          # the unit tests',
    'npm run test:scenarios            # replays the payment scenarios against the running app (README.md)',
  ]) {
    out(`  ${line}`);
  }
}
