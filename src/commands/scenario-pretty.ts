/**
 * The human rendering of a scenario run: a header saying where the sandbox is (and the keys the app needs),
 * one line per scenario as it finishes with its failures and hints underneath, and a summary.
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../duration.js';
import type { RunEvent, ScenarioResult } from '../scenarios/results.js';

export interface PrettySink {
  write(line: string): void;
  color: ChalkInstance;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderScenario(r: ScenarioResult, sink: PrettySink, index: number, total: number): void {
  const c = sink.color;
  const width = String(total).length;
  const counter = c.dim(`[${String(index).padStart(width)}/${total}]`);
  const mark = r.status === 'passed' ? c.green('✓') : r.status === 'skipped' ? c.yellow('-') : r.status === 'error' ? c.red('!') : c.red('✗');
  const detail = r.status === 'skipped' ? 'skipped' : `${plural(r.steps.filter((s) => s.status !== 'skipped').length, 'step')}, ${formatDuration(r.duration_ms)}`;
  sink.write(`${counter} ${mark} ${r.status === 'passed' ? r.name : c.bold(r.name)} ${c.dim(`(${detail})`)}`);
  if (r.status === 'passed' || r.status === 'skipped') return;
  sink.write(`      ${c.dim(r.file)}`);
  for (const f of r.failures) {
    const step = f.step !== null ? r.steps[f.step - 1] : undefined;
    const where = step ? `step ${step.index} ${c.dim(`(${step.label}, +${formatDuration(step.at_ms)})`)}` : f.check === 'setup' ? 'setup' : 'note';
    sink.write(`      ${where}: ${r.status === 'error' ? c.red(f.message) : f.message}`);
    if (f.hint) sink.write(`        ${c.cyan('hint:')} ${f.hint.trim()}`);
  }
}

/** Returns a RunEvent listener that renders the run to `sink`. */
export function prettyRenderer(sink: PrettySink): (e: RunEvent) => void {
  const c = sink.color;
  return (e) => {
    switch (e.type) {
      case 'run:start': {
        const s = e.sandbox;
        sink.write(`${c.bold('paycli scenario run')}: ${plural(e.total, 'scenario')}`);
        sink.write(`  app      ${e.appUrl ?? c.dim("from each scenario's setup.app.base_url (default http://127.0.0.1:3000)")}`);
        sink.write(`  sandbox  ${s.url} ${c.dim(s.mode === 'in-process' ? '(in-process, virtual clock)' : '(running sandbox)')}`);
        sink.write(`  secret key      ${s.secretKey}`);
        if (s.webhookSecret) sink.write(`  webhook secret  ${s.webhookSecret}`);
        for (const p of Object.values(s.providers)) {
          sink.write(`  ${p.name.padEnd(8)} ${p.url} ${c.dim(`(${p.title} scenarios: point the app's SDK here, with these settings)`)}`);
          const settings = Object.entries(p.settings).filter(([key]) => key !== 'url');
          const width = Math.max(...settings.map(([key]) => key.length));
          for (const [key, value] of settings) sink.write(`    ${key.padEnd(width)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
        }
        sink.write(`  seed            ${e.seed} ${c.dim(`(repeat this run exactly with --seed ${e.seed})`)}`);
        sink.write('');
        break;
      }
      case 'scenario:end':
        renderScenario(e.result, sink, e.index, e.total);
        break;
      case 'run:end': {
        const { summary } = e.report;
        const parts = [c.green(`${summary.passed} passed`)];
        if (summary.failed) parts.push(c.red(`${summary.failed} failed`));
        if (summary.errors) parts.push(c.red(`${summary.errors} could not run`));
        if (summary.skipped) parts.push(c.yellow(`${summary.skipped} skipped`));
        sink.write('');
        sink.write(`${plural(summary.total, 'scenario')}: ${parts.join(', ')} ${c.dim(`(${formatDuration(e.report.duration_ms)})`)}`);
        if (e.report.interrupted) sink.write(c.yellow('Interrupted (Ctrl-C): the step under way finished; what had not run is reported as skipped.'));
        break;
      }
      default:
        break;
    }
  };
}
