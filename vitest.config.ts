import { defineConfig } from 'vitest/config';

/** Tests that run the built CLI (bin/paycli.js → dist/) or the packed package as a user would. */
const E2E = ['test/e2e/**/*.test.ts', 'test/package/**/*.test.ts', 'test/devloop/cli-process.test.ts', 'test/tunnel/tunnel-command.test.ts', 'test/docs/doc-examples.test.ts', 'test/bench/**/*.test.ts'];
const SCAFFOLD = ['test/scaffold/**/*.test.ts'];

export default defineConfig({
  test: {
    // Builds dist/ once per run, and only when the sources are newer than the last build; test files
    // must not build themselves (concurrent builds rewrite files other tests are loading).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests bind port 0 and use temp directories, so files can run in parallel.
    pool: 'forks',
    // `npm test` runs every project; `npx vitest run --project unit` runs one.
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...E2E, ...SCAFFOLD] } },
      { extends: true, test: { name: 'e2e', include: E2E } },
      { extends: true, test: { name: 'scaffold', include: SCAFFOLD } },
    ],
  },
});
