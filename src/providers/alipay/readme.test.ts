import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paymentCodeTable } from './trades.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('the README Alipay section', () => {
  it('lists every payment-code outcome, as the code decides it', () => {
    const rows = paymentCodeTable();
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) expect(readme).toContain(`| …${r.last4} | ${r.outcome} |`);
  });
});
