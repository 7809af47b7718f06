/**
 * Reading scenario files: expanding files, directories and globs, parsing YAML or JSON, validating against
 * the schema and checking references. Every problem names the file, the line, the path in the document
 * and what is wrong, so `paycli scenario validate` can list them and `run` can refuse with exit code 2.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PaycliError } from '../errors.js';
import { PROVIDER_SETS } from './builtin.js';
import { scenarioSchema, STEP_ACTIONS, type Scenario } from './schema.js';
import { nestsDeeperThan } from '../json-depth.js';
import { describeLimitError, MAX_SCENARIO_ALIASES, MAX_SCENARIO_DEPTH, MAX_SCENARIO_FILE_BYTES } from './file-limits.js';
import { issueMessage, unknownKeyMessage } from './issue-messages.js';
import { findRefs, REF_ROOTS } from './refs.js';
import { checkSemantics } from './semantic-checks.js';

export interface Problem {
  /** The file as given or found, relative to the working directory. */
  file: string;
  line: number | null;
  column: number | null;
  /** Where in the document, e.g. `steps[2].create_payment.amount`; empty for the whole file. */
  path: string;
  message: string;
}

export interface LoadedScenario {
  /** Absolute path. */
  file: string;
  /** Relative to the working directory, with forward slashes: what reports show. */
  displayFile: string;
  scenario: Scenario;
}

export type LoadResult = { ok: true; loaded: LoadedScenario } | { ok: false; problems: Problem[] };

const SCENARIO_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Formats one problem as `file:line:col: path: message`. */
export function formatProblem(p: Problem): string {
  const where = p.line !== null ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** The PaycliError (`invalid_scenario`, exit code 2) for a list of problems. */
export function invalidScenarioError(problems: Problem[]): PaycliError {
  const files = [...new Set(problems.map((p) => p.file))];
  return new PaycliError('invalid_scenario', `Invalid scenario ${files.length === 1 ? 'file' : 'files'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, {
    hint: 'See docs/scenarios.md for the format; `paycli scenario validate <files>` checks files without running them.',
  });
}

/**
 * Expands files, directories (recursively: *.yaml, *.yml, *.json) and globs (`*`, `**`, `?`) into a sorted
 * list of absolute file paths. Throws `invalid_scenario` for a path that does not exist or a glob that
 * matches nothing.
 */
export function expandPaths(inputs: readonly string[], cwd: string): string[] {
  const found = new Set<string>();
  for (const input of inputs) {
    const matches = /[*?[]/.test(input) ? expandGlob(input, cwd) : expandPlain(input, cwd);
    if (matches.length === 0) {
      throw new PaycliError('invalid_scenario', `${input}: no scenario files found there.`, { hint: 'Give files, directories or quoted globs such as "scenarios/**/*.yaml".' });
    }
    for (const m of matches) found.add(m);
  }
  return [...found].sort();
}

function expandPlain(input: string, cwd: string): string[] {
  const abs = path.resolve(cwd, input);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new PaycliError('invalid_scenario', `${input}: no such file or directory.`, { hint: 'Check the path; it is relative to the current directory.' });
  }
  return stat.isDirectory() ? walk(abs).filter(hasScenarioExtension) : [abs];
}

function hasScenarioExtension(file: string): boolean {
  return SCENARIO_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** Files under `dir`; a provider's scenario folder below it (`scenarios/stripe`) is left out: it runs only when named. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && (PROVIDER_SETS as readonly string[]).includes(entry.name)) continue;
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function expandGlob(pattern: string, cwd: string): string[] {
  const normalised = pattern.split(path.sep).join('/');
  const segments = normalised.split('/');
  const firstGlob = segments.findIndex((s) => /[*?[]/.test(s));
  const base = path.resolve(cwd, segments.slice(0, firstGlob).join('/') || '.');
  const re = globToRegExp(segments.slice(firstGlob).join('/'));
  let files: string[];
  try {
    files = walk(base);
  } catch {
    return [];
  }
  return files.filter((f) => re.test(path.relative(base, f).split(path.sep).join('/')));
}

/** `**` crosses directories, `*` and `?` do not, `[abc]` is a class. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i);
      if (end === -1) re += '\\[';
      else {
        re += glob.slice(i, end + 1);
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Reads, parses and validates one file; never throws for a bad file (returns its problems). */
export function loadScenarioFile(file: string, cwd: string): LoadResult {
  const displayFile = path.relative(cwd, file).split(path.sep).join('/') || file;
  const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: displayFile, ...p });
  const whole = (message: string): LoadResult => ({ ok: false, problems: [problem({ line: null, column: null, path: '', message })] });
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_SCENARIO_FILE_BYTES) return whole(`the file is ${size} bytes; scenario files may be at most ${MAX_SCENARIO_FILE_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return whole(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const lines = new LineCounter();
  let doc: Document;
  let raw: unknown;
  try {
    // JSON is YAML too, so one parser gives line numbers for both.
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
    raw = doc.errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: MAX_SCENARIO_ALIASES });
  } catch (err) {
    const limit = describeLimitError(err);
    if (limit === null) throw err;
    return whole(limit);
  }
  if (raw !== undefined && nestsDeeperThan(raw, MAX_SCENARIO_DEPTH)) return whole(`nests more than ${MAX_SCENARIO_DEPTH} levels deep`);
  // The parser reports a stack overflow on deep nesting as a syntax error: say what it means.
  if (doc.errors.some((e) => e.message.includes('Maximum call stack size exceeded'))) return whole(describeLimitError(new RangeError())!);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      // Later parse errors are mostly echoes of the first.
      problems: doc.errors.slice(0, 1).map((e) =>
        problem({
          line: e.linePos?.[0]?.line ?? null,
          column: e.linePos?.[0]?.col ?? null,
          path: '',
          message: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}${/\$\{/.test(text) ? ' (inside { } or [ ], put ${…} references in quotes)' : ''}`,
        }),
      ),
    };
  }
  const at = (docPath: (string | number)[], message: string, keyOnly = false): Problem => {
    const pos = locate(doc, docPath, keyOnly, lines);
    return problem({ line: pos?.line ?? null, column: pos?.col ?? null, path: formatPath(docPath), message });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [at([], 'a scenario file holds one object (version, name, steps, …)')] };
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => fromIssue(i, raw, at)) };
  const problems = checkReferences(parsed.data, at);
  checkSemantics(parsed.data, (p, m) => problems.push(at(p, m)));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, loaded: { file, displayFile, scenario: parsed.data } };
}

function fromIssue(issue: z.core.$ZodIssue, raw: unknown, at: (p: (string | number)[], m: string, keyOnly?: boolean) => Problem): Problem {
  const docPath = issue.path.map((k) => (typeof k === 'number' ? k : String(k)));
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return at([...docPath, key], unknownKeyMessage(key, issue.keys.slice(1), docPath), true);
  }
  if (issue.code === 'invalid_type' && valueAt(raw, docPath) === undefined) return at(docPath, 'is required');
  return at(docPath, issueMessage(issue, docPath, valueAt(raw, docPath)));
}

/** References must name a built-in (app, sandbox, scenario) or an earlier step; a step's expect may name the step itself. */
function checkReferences(scenario: Scenario, at: (p: (string | number)[], m: string) => Problem): Problem[] {
  const problems: Problem[] = [];
  const earlier = new Set<string>();
  scenario.steps.forEach((step, i) => {
    if (step.id !== undefined && earlier.has(step.id)) problems.push(at(['steps', i, 'id'], `another step is already called "${step.id}"`));
    for (const [key, value] of Object.entries(step)) {
      const known = key === 'expect' && step.id ? new Set([...earlier, step.id]) : earlier;
      for (const ref of findRefs(value, ['steps', i, key])) {
        if (ref.error) problems.push(at(ref.path, ref.error));
        else if (!REF_ROOTS.includes(ref.root) && !known.has(ref.root)) {
          problems.push(at(ref.path, `\${${ref.expression}} refers to "${ref.root}", which is not an earlier step's id (nor one of ${REF_ROOTS.join(', ')})`));
        }
      }
    }
    const hasAction = STEP_ACTIONS.some((a) => step[a] !== undefined);
    const apps = step.expect?.app === undefined ? [] : Array.isArray(step.expect.app) ? step.expect.app : [step.expect.app];
    apps.forEach((a, j) => {
      if (a.unchanged && !hasAction) problems.push(at(['steps', i, 'expect', 'app', ...(Array.isArray(step.expect!.app) ? [j] : []), 'unchanged'], 'unchanged compares with the state before the step\'s action, so the step needs an action'));
    });
    if (step.id !== undefined) earlier.add(step.id);
  });
  return problems;
}

/** Line and column of the node at `docPath` (or of its key), falling back to the nearest parent found. */
function locate(doc: Document, docPath: (string | number)[], keyOnly: boolean, lines: LineCounter): { line: number; col: number } | null {
  let node: unknown = doc.contents;
  let best: unknown = node;
  for (let i = 0; i < docPath.length; i++) {
    const seg = docPath[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
      if (!pair) break;
      node = i === docPath.length - 1 && keyOnly ? pair.key : pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else break;
    if (node && typeof node === 'object' && 'range' in node) best = node;
  }
  const range = (best as { range?: [number, number, number] } | null)?.range;
  return range ? lines.linePos(range[0]) : null;
}

function formatPath(docPath: (string | number)[]): string {
  return docPath.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function valueAt(input: unknown, docPath: readonly (string | number)[]): unknown {
  let v: unknown = input;
  for (const k of docPath) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/**
 * Loads every scenario under `inputs`; throws `invalid_scenario` naming each bad file and problem, or when
 * two files share a scenario name (names key the reports and the seeds).
 */
export function loadScenarios(inputs: readonly string[], cwd: string): LoadedScenario[] {
  const files = expandPaths(inputs, cwd);
  const loaded: LoadedScenario[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const r = loadScenarioFile(file, cwd);
    if (r.ok) loaded.push(r.loaded);
    else problems.push(...r.problems);
  }
  const byName = new Map<string, LoadedScenario>();
  for (const l of loaded) {
    const other = byName.get(l.scenario.name);
    if (other) problems.push({ file: l.displayFile, line: null, column: null, path: 'name', message: `"${l.scenario.name}" is also the name of ${other.displayFile}; names must be unique in a run` });
    else byName.set(l.scenario.name, l);
  }
  if (problems.length > 0) throw invalidScenarioError(problems);
  return loaded;
}
