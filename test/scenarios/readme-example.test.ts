/** The scenario shown in the README is valid and passes against the reference app, as the README says. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { load, ROOT, startBench } from './harness.js';

test('the README example scenario passes against the reference app', async () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('# scenarios/notification-fails-twice.yaml');
  expect(start).toBeGreaterThan(0);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'paycli-readme-')), 'example.yaml');
  writeFileSync(file, readme.slice(start, readme.indexOf('```', start)));
  const bench = await startBench(startReferenceApp);
  try {
    const report = await bench.run(load(file));
    expect(report.scenarios.map((s) => [s.status, s.failures])).toEqual([['passed', []]]);
  } finally {
    await bench.close();
  }
});
