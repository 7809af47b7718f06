/** Contributor notes live in CONTRIBUTING.md and speak of the project: how to build, test and what the rules are. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scenarios/harness.js';

describe('contributor notes', () => {
  it('are in CONTRIBUTING.md; there is no docs/HELPERS.md', () => {
    expect(existsSync(path.join(ROOT, 'CONTRIBUTING.md'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'docs', 'HELPERS.md'))).toBe(false);
  });

  it('say how to build and test, and point at the architecture', () => {
    const text = readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf8');
    for (const s of ['npm install', 'npm test', 'npm run typecheck', 'ARCHITECTURE.md', 'PaycliError', '.ci/run']) expect(text).toContain(s);
    // Relative links only: nothing that names a particular machine.
    expect(text).not.toMatch(/\]\(\//);
  });
});
