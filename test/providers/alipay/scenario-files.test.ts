/**
 * The Alipay scenario sets as files: the built-in `alipay` and `alipay-conformance` sets load, run against
 * Alipay, and name only Alipay's notification types; the loader refuses what means nothing for Alipay
 * (a stale-signature probe, a notification type Alipay does not send) saying why; the docs' example is valid.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALIPAY_NOTIFICATION_TYPES } from '../../../src/providers/alipay/notification-types.js';
import { alipayScenarioDriver } from '../../../src/providers/alipay/scenario-driver.js';
import { builtinSetPath } from '../../../src/scenarios/builtin.js';
import { loadScenarioFile, loadScenarios } from '../../../src/scenarios/loader.js';
import { notificationTypesOf } from '../../../src/scenarios/scenario-drivers.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'paycli-alipay-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(yaml: string): string[] {
  const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const r = loadScenarioFile(file, dir);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

const HEAD = 'version: 1\nname: x\nsetup: { provider: alipay }\nsteps:\n  - id: order\n    checkout: { amount: 100, currency: cny, wallet: alipay }\n';

describe('the Alipay scenario sets', () => {
  it('load as built-in sets: a library and a conformance set, every scenario against Alipay', () => {
    const library = loadScenarios([builtinSetPath('alipay')], ROOT);
    const conformance = loadScenarios([builtinSetPath('alipay-conformance')], ROOT);
    expect(library.map((l) => l.scenario.name).filter((n) => n.startsWith('alipay: ')).length).toBeGreaterThanOrEqual(7);
    expect(library.length).toBe(library.filter((l) => l.scenario.name.startsWith('alipay: ')).length + conformance.length);
    expect(conformance.map((l) => l.scenario.name)).toEqual(expect.arrayContaining([expect.stringMatching(/tampered/), expect.stringMatching(/duplicates/), expect.stringMatching(/dropped/)]));
    for (const l of [...library, ...conformance]) expect(l.scenario.setup?.provider, l.displayFile).toBe('alipay');
  });

  it('name the notification types the driver declares, as the driver table lists them', () => {
    expect(alipayScenarioDriver.notificationTypes).toEqual(ALIPAY_NOTIFICATION_TYPES);
    expect(notificationTypesOf('alipay')).toEqual(ALIPAY_NOTIFICATION_TYPES);
  });

  it('refuse a stale-signature probe for Alipay, saying why', () => {
    const problems = problemsOf(`${HEAD}    notifications: { signature: stale }\n`);
    expect(problems).toEqual([expect.stringMatching(/^steps\[0\]\.notifications\.signature: a stale probe means nothing for alipay: .*no timestamp.*use signature: tampered/)]);
  });

  it("refuse a notification type Alipay does not send: a typo, another provider's type", () => {
    const typo = problemsOf(`${HEAD}    expect:\n      notifications:\n        - { event: TRADE_SUCESS }\n`);
    expect(typo).toEqual([expect.stringMatching(/^steps\[0\]\.expect\.notifications\[0\]\.event: /)]);
    const native = problemsOf(`${HEAD}    notifications: { events: [payment.succeeded], duplicate: 1 }\n`);
    expect(native).toEqual([expect.stringMatching(/^steps\[0\]\.notifications\.events\[0\]: "payment\.succeeded" is not an event type alipay sends/)]);
  });

  it("accept the docs' example; the docs name the fixed app id", () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'scenarios-alipay.md'), 'utf8');
    const fixed = JSON.parse(readFileSync(path.join(ROOT, 'builtin', 'credentials', 'alipay.json'), 'utf8')) as { app_id: string };
    expect(doc).toContain(`ALIPAY_APP_ID=${fixed.app_id}`);
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(examples.length).toBeGreaterThan(0);
    for (const y of examples) expect(problemsOf(y)).toEqual([]);
  });
});
