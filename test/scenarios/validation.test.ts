/**
 * Scenario validation catches what would otherwise fail later, while running: Luhn-invalid cards, misspelled
 * statuses and keys (with "did you mean"), `notifications:` where it does nothing, references to fields a
 * step's result does not have, unquoted card numbers; and its messages never show the schema library's
 * wording (regexes, "Too small").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, type Problem } from '../../src/scenarios/loader.js';

function problemsOf(text: string): Problem[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-validation-'));
  writeFileSync(path.join(dir, 's.yaml'), text);
  const r = loadScenarioFile(path.join(dir, 's.yaml'), dir);
  return r.ok ? [] : r.problems;
}

const scenario = (steps: string) => `version: 1\nname: check\nsteps:\n${steps}`;
const CHECKOUT = `  - id: order\n    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }\n`;
const PAY = `  - id: pay\n    create_payment: { amount: 2000, currency: usd, card: "4242424242424242" }\n`;
const one = (text: string): [string, string] => {
  const problems = problemsOf(text);
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return [problems[0]!.path, problems[0]!.message];
};

describe('scenario validation catches what runs later', () => {
  it('a Luhn-invalid card number (string or object)', () => {
    expect(one(scenario(CHECKOUT.replace('4242424242424242', '4242424242424241')))).toEqual([
      'steps[0].checkout.card',
      '4242424242424241 fails the Luhn check, so the PSP refuses it as invalid_card_number: use a test card from the README (e.g. "4242424242424242")',
    ]);
    const [p] = one(scenario(`  - create_payment: { amount: 1, currency: usd, card: { number: "4000000000000003" } }\n`));
    expect(p).toBe('steps[0].create_payment.card.number');
  });

  it('an unquoted card number: "quote it"', () => {
    expect(one(scenario(CHECKOUT.replace('"4242424242424242"', '4242424242424242')))).toEqual([
      'steps[0].checkout.card',
      'is a number: quote it ("4242424242424242"), or YAML reads the card number as a number',
    ]);
  });

  it('misspelled payment, refund and notification status values, with a suggestion', () => {
    expect(one(scenario(`${CHECKOUT}    expect: { payment: { status: succeded } }\n`))).toEqual([
      'steps[0].expect.payment.status',
      '"succeded" is not a payment status (requires_action, pending, requires_capture, succeeded, failed, canceled): did you mean "succeeded"?',
    ]);
    expect(one(scenario(`${PAY}  - refund: { payment: "\${pay.id}" }\n    expect: { refund: { status: faild } }\n`))[1]).toMatch(/not a refund status .*did you mean "failed"\?/);
    const [, message] = one(scenario(`${CHECKOUT}    expect: { notifications: [{ event: payment.succeeded, status: succeded }] }\n`));
    expect(message).toBe('must be one of "succeeded", "pending", "failed", "dropped": did you mean "succeeded"?');
  });

  it('notifications: on a step where it does nothing', () => {
    expect(one(scenario(`${PAY}  - redeliver: { payment: "\${pay.id}" }\n    notifications: { drop: true }\n`))).toEqual([
      'steps[1].notifications',
      'does nothing on a redeliver step: redeliver sends stored events again, and callback chaos applies only to new notifications',
    ]);
    expect(one(scenario(`${PAY}  - refund: { payment: "\${pay.id}" }\n    notifications: { events: [payment.succeeded], drop: true }\n`))).toEqual([
      'steps[1].notifications.events',
      'does nothing on a refund step, which raises only refund.succeeded, refund.failed',
    ]);
  });

  it('a reference to a field the step result does not have, or to a step without a result', () => {
    expect(one(scenario(`${PAY}  - capture: { payment: "\${pay.idd}" }\n`))).toEqual([
      'steps[1].capture.payment',
      '${pay.idd}: the result of step "pay" (create_payment) has no field "idd": did you mean "id"?',
    ]);
    expect(one(scenario(`  - id: wait\n    advance: 1m\n  - capture: { payment: "\${wait.id}" }\n`))[1]).toBe('${wait.id}: an advance step has no result to refer to');
    // The app decides what checkout answers: any field may be referred to.
    expect(problemsOf(scenario(`${CHECKOUT}  - capture: { payment: "\${order.anything}" }\n`))).toEqual([]);
  });

  it('a misspelled key: did you mean', () => {
    expect(one(scenario(`${CHECKOUT}    expect: { paymnt: { status: succeeded } }\n`))).toEqual(['steps[0].expect.paymnt', 'unknown field "paymnt": did you mean "payment"?']);
    expect(one(scenario(`  - id: pay\n    create_payment: { amount: 1, currency: usd, card: "4242424242424242", capture_methd: manual }\n`))[1]).toBe(
      'unknown field "capture_methd": did you mean "capture_method"?',
    );
  });

  it('never shows the schema library wording or a regex', () => {
    const texts = [
      'version: 1\nname: ""\nsteps:\n  - advance: 1m\n',
      scenario(`  - id: "1 bad"\n    advance: 1m\n`),
      scenario(`  - redeliver: { events: [] }\n`),
      scenario(`  - checkout: { amount: 2000, currency: usd, card: "4242424242424242", capture_method: later }\n`),
      scenario(`  - request: { path: /x, method: GRAB }\n`),
      `version: 1\nname: x\nsetup: { app: { checkout: "checkout" } }\nsteps:\n  - advance: 1m\n`,
    ];
    for (const text of texts) {
      const problems = problemsOf(text);
      expect(problems.length, text).toBeGreaterThan(0);
      for (const p of problems) expect(p.message, text).not.toMatch(/Too small|Too big|Invalid (input|option|string)|pattern|\/\^|expected string|>=/);
    }
    expect(problemsOf('version: 1\nname: ""\nsteps:\n  - advance: 1m\n')[0]!.message).toBe('must not be empty');
  });

  it('a valid file with references, statuses and a capture gives no problem at all', () => {
    expect(problemsOf(scenario(`${PAY}  - capture: { payment: "\${pay.id}" }\n    expect: { payment: { status: succeeded, amount_captured: 2000 } }\n`))).toEqual([]);
  });
});
