/** `paycli scenario list [paths...]`: the scenarios under the paths (default ./scenarios), with tags and steps. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXIT, PaycliError } from '../errors.js';
import { c } from './output.js';
import { renderTable, terminalWidth, type Column } from './table.js';
import { loadWithBuiltin, type ScenarioDeps } from './scenario-run.js';

export interface ScenarioListOptions {
  json?: boolean;
  builtin?: string;
}

/** Commander entry point. */
export async function scenarioList(paths: string[], opts: ScenarioListOptions): Promise<number> {
  return runScenarioList(paths, opts, { cwd: process.cwd(), env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

/** Lists scenarios; invalid files end it with `invalid_scenario` (exit 2). */
export async function runScenarioList(paths: string[], opts: ScenarioListOptions, deps: ScenarioDeps): Promise<number> {
  let given = paths;
  if (given.length === 0 && !opts.builtin) {
    if (!existsSync(path.join(deps.cwd, 'scenarios'))) {
      throw new PaycliError('invalid_usage', 'No scenarios given and there is no scenarios/ folder here.', { hint: 'Pass files or directories, or --builtin conformance.' });
    }
    given = ['scenarios'];
  }
  const loaded = loadWithBuiltin(given, opts.builtin, deps.cwd);
  const rows = loaded.map((l) => ({
    name: l.scenario.name,
    file: l.displayFile,
    provider: l.scenario.setup?.provider ?? 'paycli',
    tags: l.scenario.tags ?? [],
    steps: l.scenario.steps.length,
    description: l.scenario.description?.trim() ?? null,
  }));
  if (opts.json) {
    deps.stdout(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.ok;
  }
  type Row = (typeof rows)[number];
  const columns: Column<Row>[] = [
    { header: 'NAME', value: (r) => r.name, flex: true },
    { header: 'FILE', value: (r) => r.file, color: (t) => c.dim(t), flex: true },
    { header: 'STEPS', value: (r) => String(r.steps), right: true },
    { header: 'TAGS', value: (r) => r.tags.map((t) => `#${t}`).join(' '), color: (t) => c.cyan(t), optional: true },
  ];
  for (const line of renderTable(rows, columns, terminalWidth(deps.env))) deps.stdout(`${line.trimEnd()}\n`);
  deps.stdout(`\n${rows.length} scenario${rows.length === 1 ? '' : 's'}\n`);
  return EXIT.ok;
}
