/**
 * Every run of `paycli` loads the command table (`cli.ts`) and what it imports before anything else, so
 * `paycli --version` or a typo's hint costs Node's start plus commander. A command's own modules load
 * when it runs. This follows the table's static imports through the source and lists the packages they
 * reach: only commander may be among them (zod alone added ~20 ms to every start).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = path.dirname(fileURLToPath(import.meta.url));

/** Packages reached by static value imports from `file` (type-only imports are erased at build). */
function packagesReached(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    const [, typeOnly, spec] = m;
    if (typeOnly || spec === undefined) continue;
    if (spec.startsWith('.')) packagesReached(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen, packages);
    else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return packages;
}

describe('the command table', () => {
  it('loads commander and no other package at start', () => {
    expect([...packagesReached(path.join(srcDir, 'cli.ts'))]).toEqual(['commander']);
  });
});
