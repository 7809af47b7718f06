/**
 * Hostile or broken scenario files are a user error naming the file (exit 2), and the other files are
 * still validated: an alias bomb, nesting thousands of levels deep, a file over the size limit. Before,
 * each was "paycli hit a bug" (exit 70) and stopped the validation of the whole folder, and a 60 MB file
 * took 2.1 GB to parse.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { MAX_SCENARIO_FILE_BYTES } from '../../src/scenarios/file-limits.js';
import { ROOT } from './harness.js';

let stdout = '';
let stderr = '';
let dir = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-hostile-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  vi.spyOn(process, 'cwd').mockReturnValue(dir);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** A billion-laughs document: each level aliases the one before ten times. */
function aliasBomb(): string {
  const lines = ['version: 1', 'name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  lines.push('steps: *a8');
  return lines.join('\n') + '\n';
}

describe('hostile scenario files', () => {
  it('are each a problem naming the file (exit 2), and the good file beside them is still validated', async () => {
    copyFileSync(path.join(ROOT, 'scenarios', 'card-success.yaml'), path.join(dir, 'good.yaml'));
    writeFileSync(path.join(dir, 'bomb.yaml'), aliasBomb());
    writeFileSync(path.join(dir, 'deep-flow.yaml'), `version: 1\nname: deep\nsteps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    writeFileSync(path.join(dir, 'deep.json'), `{"version": 1, "name": "deep json", "steps": [{"advance": "1s", "expect": {"sandbox": ${'{"a":'.repeat(200)}1${'}'.repeat(200)}}}]}`);
    writeFileSync(path.join(dir, 'huge.yaml'), `version: 1\nname: huge\n# ${'x'.repeat(MAX_SCENARIO_FILE_BYTES)}\nsteps: []\n`);
    writeFileSync(path.join(dir, 'broken.yaml'), 'version: 1\nname: broken\nsteps: [\n'); // an ordinary error, for comparison

    const code = await main(['node', 'paycli', 'scenario', 'validate', dir]);
    expect(stderr).not.toContain('hit a bug');
    expect(code).toBe(2);
    expect(stdout).toMatch(/bomb\.yaml: .*alias/);
    expect(stdout).toMatch(/deep-flow\.yaml: .*(deep|nest)/);
    expect(stdout).toMatch(/deep\.json: .*nests more than 64 levels/);
    expect(stdout).toMatch(/huge\.yaml: .*bytes; scenario files may be at most/);
    expect(stdout).toMatch(/✗ broken\.yaml/);
    expect(stdout).toMatch(/✓ good\.yaml/);
    expect(stdout).toMatch(/6 files: 1 valid, 5 invalid/);
  });
});
