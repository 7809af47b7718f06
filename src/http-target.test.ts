import { describe, expect, it } from 'vitest';
import { PaycliError } from './errors.js';
import { normalizeSandboxUrl, parseHttpTarget } from './http-target.js';

describe('parseHttpTarget', () => {
  it('reads a bare port as the app on this machine', () => {
    expect(parseHttpTarget('3000', '--forward-to').href).toBe('http://127.0.0.1:3000/');
  });

  it('reads a port with a path as the app on this machine at that path, not as a numeric IPv4 host', () => {
    expect(parseHttpTarget('3900/alipay/notify', '--notify-url').href).toBe('http://127.0.0.1:3900/alipay/notify');
    expect(parseHttpTarget('3000/webhooks?x=1', '--to').href).toBe('http://127.0.0.1:3000/webhooks?x=1');
  });

  it('keeps host names and full URLs as given', () => {
    expect(parseHttpTarget('localhost:3000/webhooks', '--forward-to').href).toBe('http://localhost:3000/webhooks');
    expect(parseHttpTarget('https://app.test/hooks', '--forward-to').href).toBe('https://app.test/hooks');
  });

  it('refuses a port out of range, with or without a path, naming the flag', () => {
    for (const bad of ['0', '70000', '70000/webhooks', 'ftp://x/y']) {
      expect(() => parseHttpTarget(bad, '--notify-url')).toThrow(PaycliError);
      expect(() => parseHttpTarget(bad, '--notify-url')).toThrow(/--notify-url/);
    }
  });

  it('gives sandbox URLs without the trailing slash', () => {
    expect(normalizeSandboxUrl('4242', '--sandbox-url')).toBe('http://127.0.0.1:4242');
  });
});
