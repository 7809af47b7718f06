/**
 * Turns bench results into the terminal table, the JSON file and the Markdown table in
 * docs/performance.md (between the BENCH:TABLE markers, only with --update-docs).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- BENCH:TABLE:START -->';
const END = '<!-- BENCH:TABLE:END -->';

/** @typedef {{ id: string, what: string, value: string, baseline: string, ratio: number | null, target: string, met: boolean | null, note?: string }} Row */

/** The rows as an aligned plain-text table. */
export function textTable(rows) {
  const header = ['', 'measurement', 'value', 'baseline', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => [r.id, r.what, r.value, r.baseline, fmtRatio(r.ratio), r.target, fmtMet(r.met)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.id}: ${r.note}`);
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt), ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

/** The rows as a Markdown table (with notes below it). */
export function markdownTable(rows, env) {
  const out = [
    `Measured ${env.date} on ${env.cpus}× ${env.cpuModel}, Node ${env.node}, commit ${env.commit}, throughput: ${env.rounds} round-robin rounds, each server a fresh process measured for ${env.windowSec} s after ${env.warmupSec} s of warm-up, 50 keep-alive connections.`,
    '',
    '| | measurement | value | baseline | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.id} | ${r.what} | ${r.value} | ${r.baseline} | ${fmtRatio(r.ratio)} | ${r.target} | ${fmtMet(r.met)} |`),
  ];
  const notes = rows.filter((r) => r.note);
  if (notes.length) out.push('', ...notes.map((r) => `- ${r.id}: ${r.note}`));
  return out.join('\n');
}

/** Replaces the table between the markers of a Markdown file; returns false when the markers are missing. */
export function updateDocs(file, markdown) {
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) return false;
  writeFileSync(file, `${text.slice(0, from + START.length)}\n${markdown}\n${text.slice(to)}`);
  return true;
}

function fmtRatio(r) {
  return r === null || r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`;
}

function fmtMet(m) {
  return m === null || m === undefined ? '—' : m ? 'yes' : 'NO';
}
