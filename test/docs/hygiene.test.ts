/** The documentation speaks of the project only: contributor notes in CONTRIBUTING.md, no machine paths. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scenarios/harness.js';

const docs = () => [
  ...['README.md', 'ARCHITECTURE.md', 'CONTRIBUTING.md'].map((f) => path.join(ROOT, f)),
  ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f)),
];

describe('documentation hygiene', () => {
  it('contributor notes live in CONTRIBUTING.md; there is no docs/HELPERS.md', () => {
    expect(existsSync(path.join(ROOT, 'CONTRIBUTING.md'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'docs', 'HELPERS.md'))).toBe(false);
  });

  it.each(docs().map((f) => [path.relative(ROOT, f), f]))('%s names no machine path and no way of working', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\/work\/|\/tmp\/|\/home\/|\bthe lead\b|\bworktree\b|\bhelpers? session/i);
  });
});
