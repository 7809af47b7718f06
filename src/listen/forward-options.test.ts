import { describe, expect, it } from 'vitest';
import { parseEventFilter, parseHeaders } from './forward-options.js';

describe('parseEventFilter', () => {
  it("takes every provider's own names and wildcards when no provider is named", () => {
    expect(parseEventFilter('payment.*,TRADE_SUCCESS,REFUND.*,charge.refunded,refund.pending')).toEqual(['payment.*', 'TRADE_SUCCESS', 'REFUND.*', 'charge.refunded', 'refund.pending']);
    expect(parseEventFilter('*')).toBeNull();
    expect(parseEventFilter(undefined)).toBeNull();
  });

  it("takes only the named provider's names", () => {
    expect(parseEventFilter('TRADE_CLOSED', '--events', 'alipay')).toEqual(['TRADE_CLOSED']);
    expect(parseEventFilter('REFUND.*', '--events', 'wechatpay')).toEqual(['REFUND.*']);
    expect(() => parseEventFilter('TRADE_SUCCESS', '--events', 'wechatpay')).toThrow(/Unknown event type "TRADE_SUCCESS" in --events for wechatpay/);
    expect(() => parseEventFilter('TRADE_SUCCESS', '--events', 'paycli')).toThrow(/Unknown event type/);
  });

  it('refuses a typo and a wildcard of no known group, naming the flag', () => {
    expect(() => parseEventFilter('payment.succeded')).toThrow(/Unknown event type "payment.succeded" in --events/);
    expect(() => parseEventFilter('TRADE_SUCESS')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/^Did you mean TRADE_SUCCESS\?/) }));
    expect(() => parseEventFilter('bogus.*', '--type')).toThrow(/in --type/);
  });
});

describe('parseHeaders', () => {
  it('keeps extra headers, commas inside values included', () => {
    expect(parseHeaders('X-Env: dev,Authorization: Bearer a,b')).toEqual({ 'X-Env': 'dev', Authorization: 'Bearer a,b' });
  });

  it("refuses every provider's signature headers and the body's type, which a replacement would break", () => {
    for (const name of ['webhook-signature', 'Stripe-Signature', 'Wechatpay-Serial', 'Wechatpay-Signature', 'Content-Type']) {
      expect(() => parseHeaders(`${name}: x`), name).toThrow(new RegExp(`--headers cannot set ${name}`));
    }
  });
});
