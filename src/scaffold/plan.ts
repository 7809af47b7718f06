/**
 * `planScaffold(options) → files[]`: decides every file `paycli init` writes and its exact contents,
 * without touching the target directory. The writer (write.ts) then compares the plan with the disk.
 */
import { PaycliError } from '../errors.js';
import { directoryTemplateSource, type TemplateSource } from './template-source.js';
import { findTemplate, type Framework, type Language, type Psp, type TemplateSpec } from './templates.js';

export interface ScaffoldOptions {
  /** The PSP protocol the app speaks; default `paycli`. */
  psp?: Psp;
  framework: Framework;
  language: Language;
  /** The package name written to package.json. */
  projectName: string;
  /** Whether to add the GitHub Actions workflow. */
  ci: boolean;
  /** The version range of the paycli devDependency, e.g. `^0.1.0`. */
  paycliVersion: string;
}

export interface PlannedFile {
  /** Relative, posix separators. */
  path: string;
  contents: string;
}

/** The layer holding files written only with `--ci`. */
const CI_LAYER = 'ci';

const PLACEHOLDER = /@@([A-Za-z]+)@@/g;

/** Replaces `@@name@@` placeholders; an unknown name is a bug in the template, caught by the tests. */
export function render(template: string, vars: Record<string, string>, file: string): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new PaycliError('internal_error', `Template ${file} uses an unknown placeholder @@${name}@@.`);
    return value;
  });
}

/**
 * Makes a valid npm package name from a directory name.
 *
 * @example
 * packageNameFrom('My Shop!') // 'my-shop'
 */
export function packageNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 214);
  return name || 'payments-app';
}

/**
 * Plans the files of a new app. Pure apart from reading templates through `source`.
 *
 * @example
 * planScaffold({ framework: 'express', language: 'ts', projectName: 'shop', ci: true, paycliVersion: '^0.1.0' })
 * // [{ path: '.env.example', contents: 'PSP_BASE_URL=…' }, …, { path: 'src/server.ts', … }]
 */
export function planScaffold(options: ScaffoldOptions, source: TemplateSource = directoryTemplateSource()): PlannedFile[] {
  const spec = findTemplate(options.framework, options.language, options.psp);
  const vars = templateVars(spec, options);
  const files = new Map<string, string>();
  if (options.ci && spec.ci === false) {
    throw new PaycliError('invalid_usage', `The ${spec.id} template has no CI workflow yet.`, { hint: 'Run init with --no-ci.' });
  }
  const layers = options.ci ? [...spec.layers, CI_LAYER] : spec.layers;
  for (const name of layers) {
    for (const [file, template] of source.layer(name)) files.set(file, render(template, vars, `${name}/${file}`));
  }
  files.set('package.json', JSON.stringify(spec.packageJson(options.projectName, options.paycliVersion), null, 2) + '\n');
  return [...files.entries()].map(([path, contents]) => ({ path, contents })).sort((a, b) => a.path.localeCompare(b.path));
}

function templateVars(spec: TemplateSpec, options: ScaffoldOptions): Record<string, string> {
  return {
    projectName: options.projectName,
    importExt: spec.importExt,
    templateId: spec.id,
    language: spec.language === 'ts' ? 'TypeScript' : 'JavaScript',
    sourceExt: spec.language,
    startCommand: spec.startCommand,
  };
}
