/** `paycli scenario list`: a table whose columns line up, at the terminal's width. */
import { describe, expect, it } from 'vitest';
import { runScenarioList } from '../../src/commands/scenario-list.js';
import { ROOT } from './harness.js';

async function list(columns: number): Promise<string[]> {
  let out = '';
  const code = await runScenarioList(['scenarios'], {}, { cwd: ROOT, env: { COLUMNS: String(columns) }, stdout: (t) => (out += t), stderr: () => {} });
  expect(code).toBe(0);
  return out.trimEnd().split('\n');
}

describe('scenario list', () => {
  it.each([160, 90])('columns line up at %i columns, and no line is wider', async (width) => {
    const lines = await list(width);
    expect(lines.at(-1)).toBe('23 scenarios');
    const table = lines.slice(0, -2);
    expect(table[0]).toMatch(/^NAME\s+FILE\s+STEPS/);
    const fileAt = table[0]!.indexOf('FILE');
    const stepsEnd = table[0]!.indexOf('STEPS') + 'STEPS'.length;
    for (const l of table.slice(1)) {
      expect(l.length, l).toBeLessThanOrEqual(width);
      expect(l.slice(fileAt), l).toMatch(/^scenarios\//);
      expect(l.slice(stepsEnd - 1, stepsEnd), l).toMatch(/\d/);
    }
  });
});
