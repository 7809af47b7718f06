/**
 * `paycli scenario validate <paths...>`: checks scenario files without running anything. Lists each file
 * with its problems (file:line:column, the path in the document, what is wrong); exit code 2 when any
 * file is invalid.
 */
import { EXIT } from '../errors.js';
import { expandPaths, formatProblem, loadScenarioFile, type Problem } from '../scenarios/loader.js';
import { c } from './output.js';
import { scenarioInputs, type ScenarioDeps } from './scenario-run.js';

export interface ScenarioValidateOptions {
  json?: boolean;
  builtin?: string;
}

/** Commander entry point. */
export async function scenarioValidate(paths: string[], opts: ScenarioValidateOptions): Promise<number> {
  return runScenarioValidate(paths, opts, { cwd: process.cwd(), env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

/** Validates every file under `paths`; returns the exit code. */
export async function runScenarioValidate(paths: string[], opts: ScenarioValidateOptions, deps: ScenarioDeps): Promise<number> {
  const files = expandPaths(scenarioInputs(paths, opts.builtin), deps.cwd);
  const results: { file: string; name: string | null; steps: number | null; problems: Problem[] }[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const r = loadScenarioFile(file, deps.cwd);
    if (!r.ok) {
      results.push({ file: r.problems[0]?.file ?? file, name: null, steps: null, problems: r.problems });
      continue;
    }
    const { scenario, displayFile } = r.loaded;
    const problems: Problem[] = [];
    const other = names.get(scenario.name);
    if (other) problems.push({ file: displayFile, line: null, column: null, path: 'name', message: `"${scenario.name}" is also the name of ${other}; names must be unique in a run` });
    else names.set(scenario.name, displayFile);
    results.push({ file: displayFile, name: scenario.name, steps: scenario.steps.length, problems });
  }
  const invalid = results.filter((r) => r.problems.length > 0);
  if (opts.json) {
    deps.stdout(JSON.stringify({ valid: invalid.length === 0, files: results.map((r) => ({ ...r, valid: r.problems.length === 0 })) }, null, 2) + '\n');
  } else {
    for (const r of results) {
      if (r.problems.length === 0) deps.stdout(`${c.green('✓')} ${r.file} ${c.dim(`— ${r.name} (${r.steps} step${r.steps === 1 ? '' : 's'})`)}\n`);
      else {
        deps.stdout(`${c.red('✗')} ${r.file}\n`);
        for (const p of r.problems) deps.stdout(`    ${formatProblem(p)}\n`);
      }
    }
    deps.stdout(`\n${results.length} file${results.length === 1 ? '' : 's'}: ${results.length - invalid.length} valid${invalid.length ? `, ${c.red(`${invalid.length} invalid`)}` : ''}\n`);
  }
  return invalid.length > 0 ? EXIT.usage : EXIT.ok;
}
