/**
 * Scenario files: the format, its validation errors (file, line, document path, problem), file
 * expansion, and the JSON Schema shipped in schema/.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PaycliError } from '../../src/errors.js';
import { scenarioJsonSchemaText } from '../../src/scenarios/json-schema.js';
import { expandPaths, formatProblem, loadScenarioFile, loadScenarios, type Problem } from '../../src/scenarios/loader.js';
import { LIBRARY, ROOT } from './harness.js';

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-scenarios-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The problems of one file written to a temp dir as `s.yaml` (or `name`). */
function problemsOf(text: string, name = 's.yaml'): Problem[] {
  const dir = tempDir({ [name]: text });
  const r = loadScenarioFile(path.join(dir, name), dir);
  if (r.ok) throw new Error('expected the file to be invalid');
  return r.problems;
}

const VALID = `version: 1
name: ok
steps:
  - id: order
    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }
`;

describe('scenario validation', () => {
  it('accepts a valid file and parses durations', () => {
    const dir = tempDir({ 'a.yaml': `${VALID}  - advance: 1h30m\n  - advance: until_idle\n` });
    const r = loadScenarioFile(path.join(dir, 'a.yaml'), dir);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.loaded.scenario.steps.map((s) => s.advance)).toEqual([undefined, 5_400_000, 'until_idle']);
  });

  it('names file, line, column, document path and problem for a bad value', () => {
    const [p, ...rest] = problemsOf(VALID.replace('amount: 2000', 'amount: 19.99'));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ file: 's.yaml', line: 5, path: 'steps[0].checkout.amount' });
    expect(p!.message).toMatch(/integer/);
    expect(formatProblem(p!)).toMatch(/^s\.yaml:5:\d+: steps\[0\]\.checkout\.amount: must be an integer/);
  });

  it('points at an unknown field by its key', () => {
    const [p] = problemsOf(VALID + '    expectt: {}\n');
    expect(p).toMatchObject({ line: 6, column: 5, path: 'steps[0].expectt', message: 'unknown field "expectt": did you mean "expect"?' });
  });

  it('reports a missing field as required and a wrong version', () => {
    const problems = problemsOf('version: 2\nsteps:\n  - advance: 1m\n');
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['version', 'must be 1 (the only version so far)'],
      ['name', 'is required'],
    ]);
  });

  it('rejects a bad duration, a step with two actions, and an event type that does not exist', () => {
    const problems = problemsOf(`${VALID}  - advance: 30 minutes\n  - advance: 1m\n    cancel: { payment: pay_1 }\n  - redeliver: { events: [payment.paid] }\n`);
    expect(problems.map((p) => p.path)).toEqual(['steps[1].advance', 'steps[2]', 'steps[3].redeliver.events[0]']);
    expect(problems[0]!.message).toMatch(/duration such as/);
    expect(problems[1]!.message).toBe('a step does one thing; this one has cancel and advance');
    expect(problems[2]!.message).toMatch(/event type/);
  });

  it('checks references: only earlier steps (or the step itself inside expect) and built-ins', () => {
    const text = `version: 1
name: refs
steps:
  - id: order
    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }
    expect:
      app: { order: "\${order.order_id}" }
  - buyer: { payment: "\${later.id}", action: complete }
  - id: later
    request: { path: "/orders/\${order.order_id}?from=\${app.url}" }
  - expect:
      payment: { id: "\${ later id }" }
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['steps[1].buyer.payment', 8],
      ['steps[3].expect.payment.id', 12],
    ]);
    expect(problems[0]!.message).toMatch(/refers to "later", which is not an earlier step/);
    expect(problems[1]!.message).toMatch(/is not a reference/);
  });

  it('requires an action on a step that expects the app unchanged', () => {
    const [p] = problemsOf(`${VALID}  - expect:\n      app: { order: x, unchanged: true }\n`);
    expect(p).toMatchObject({ path: 'steps[1].expect.app.unchanged', line: 7 });
  });

  it('reports the first YAML syntax error with its line, and suggests quoting references in flow maps', () => {
    const [p, ...rest] = problemsOf(`${VALID}  - buyer: { payment: \${order.payment_id}, action: complete }\n`);
    expect(rest).toEqual([]);
    expect(p!.line).toBe(6);
    expect(p!.message).toMatch(/^not valid YAML: .*put \$\{…\} references in quotes/);
  });

  it('accepts JSON files, and names JSON syntax errors as such', () => {
    const dir = tempDir({
      'a.json': JSON.stringify({ $schema: '../schema/scenario.schema.json', version: 1, name: 'json', steps: [{ advance: '5m' }] }),
    });
    expect(loadScenarioFile(path.join(dir, 'a.json'), dir).ok).toBe(true);
    const [p] = problemsOf('{"version": 1, "name": "x", "steps": [}', 'b.json');
    expect(p!.message).toMatch(/^not valid JSON/);
    expect(p!.line).toBe(1);
  });

  it('refuses a set of files with all their problems, and duplicate names across files', () => {
    const dir = tempDir({ 'a.yaml': VALID, 'b.yaml': VALID, 'c.yaml': 'version: 1\nname: c\nsteps: []\n' });
    let error: unknown;
    try {
      loadScenarios(['.'], dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PaycliError);
    expect((error as PaycliError).code).toBe('invalid_scenario');
    expect((error as PaycliError).message).toMatch(/b\.yaml: name: "ok" is also the name of a\.yaml/);
    expect((error as PaycliError).message).toMatch(/c\.yaml:3:\d+: steps: needs at least one step/);
  });
});

describe('finding scenario files', () => {
  const dir = tempDir({ 'a.yaml': VALID, 'x/b.yml': VALID, 'x/y/c.json': '{}', 'x/notes.md': '#', '.hidden/d.yaml': VALID });
  const rel = (files: string[]) => files.map((f) => path.relative(dir, f).split(path.sep).join('/'));

  it('walks directories for yaml, yml and json files, sorted, skipping dot folders', () => {
    expect(rel(expandPaths(['.'], dir))).toEqual(['a.yaml', 'x/b.yml', 'x/y/c.json']);
  });

  it('expands globs, with ** crossing folders', () => {
    expect(rel(expandPaths(['**/*.y*ml'], dir))).toEqual(['a.yaml', 'x/b.yml']);
    expect(rel(expandPaths(['x/*'], dir))).toEqual(['x/b.yml', 'x/notes.md']);
    expect(rel(expandPaths(['?.yaml'], dir))).toEqual(['a.yaml']);
    expect(rel(expandPaths(['x/**/*.json', 'a.yaml', 'a.yaml'], dir))).toEqual(['a.yaml', 'x/y/c.json']);
  });

  it('names a missing path or an empty glob', () => {
    expect(() => expandPaths(['nope.yaml'], dir)).toThrow(/nope\.yaml: no such file or directory/);
    expect(() => expandPaths(['x/*.toml'], dir)).toThrow(/x\/\*\.toml: no scenario files found/);
  });
});

describe('the shipped library and schema', () => {
  it('has at least 15 valid scenarios plus the conformance set', () => {
    const loaded = loadScenarios(['scenarios'], ROOT);
    expect(loaded.filter((l) => !l.displayFile.includes('conformance/')).length).toBeGreaterThanOrEqual(15);
    expect(loaded.filter((l) => l.displayFile.startsWith('scenarios/conformance/')).length).toBe(5);
  });

  it('ships schema/scenario.schema.json generated from the zod schema', () => {
    const file = path.join(ROOT, 'schema', 'scenario.schema.json');
    // Regenerate with: PAYCLI_UPDATE_SCHEMA=1 npx vitest run test/scenarios/format.test.ts
    if (process.env.PAYCLI_UPDATE_SCHEMA === '1') writeFileSync(file, scenarioJsonSchemaText());
    expect(readFileSync(file, 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('points every library file at the schema for editors', () => {
    for (const l of loadScenarios([LIBRARY], ROOT)) {
      const first = readFileSync(l.file, 'utf8').split('\n')[0];
      const depth = l.displayFile.split('/').length - 1;
      expect(first, l.displayFile).toBe(`# yaml-language-server: $schema=${'../'.repeat(depth)}schema/scenario.schema.json`);
    }
  });
});

describe('docs/scenarios.md', () => {
  it('has only valid scenario examples', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'scenarios.md'), 'utf8');
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => /^version: 1$/m.test(y));
    expect(examples.length).toBeGreaterThan(0);
    const dir = tempDir(Object.fromEntries(examples.map((y, i) => [`example-${i}.yaml`, y])));
    for (const [i] of examples.entries()) {
      const r = loadScenarioFile(path.join(dir, `example-${i}.yaml`), dir);
      expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([]);
    }
  });
});
