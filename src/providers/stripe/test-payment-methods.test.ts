import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cardBehaviour, luhnValid } from '../../engine/cards.js';
import { providerAuthenticates } from './three-d-secure.js';
import { TEST_CARD_ALIASES, testCardFor, testPaymentMethodRows } from './test-payment-methods.js';

describe('Stripe test payment methods', () => {
  it('every alias names a valid card whose outcome in the shared card table matches its description', () => {
    for (const a of TEST_CARD_ALIASES) {
      expect(luhnValid(a.number), a.suffix).toBe(true);
      const kind = cardBehaviour(a.number).kind;
      // The provider, not the shared table, asks for 3-D Secure on Stripe's cards the table does not have.
      if (providerAuthenticates(a.number)) {
        expect(kind, a.suffix).toBe('success');
        expect(a.description, a.suffix).toMatch(/3-D Secure/);
      }
      else if (/3-D Secure/.test(a.description)) expect(kind, a.suffix).toBe('authentication_required');
      else if (/refunds fail/.test(a.description)) expect(kind, a.suffix).toBe('refund_fails');
      else if (/Declined|Fails|Blocked|declined/.test(a.description)) expect(['decline', 'risk_block'], a.suffix).toContain(kind);
      else expect(kind, a.suffix).toBe('success');
    }
  });

  it('answers pm_card_* and tok_* ids and nothing else', () => {
    expect(testCardFor('pm_card_visa')?.number).toBe('4242424242424242');
    expect(testCardFor('tok_visa')?.number).toBe('4242424242424242');
    expect(testCardFor('tok_chargeDeclinedInsufficientFunds')?.number).toBe('4000000000009995');
    expect(testCardFor('pm_card_nope')).toBeUndefined();
  });

  it("the README's table lists every alias", () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const row of testPaymentMethodRows()) expect(readme).toContain(row);
  });
});
