import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveConfig } from './config.js';

function dirWith(config?: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-config-'));
  if (config !== undefined) writeFileSync(path.join(dir, 'paycli.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

describe('resolveConfig: flags > PAYCLI_* env > config file > defaults', () => {
  test('defaults', () => {
    const dir = dirWith();
    const c = resolveConfig({}, {}, dir);
    expect(c).toMatchObject({ port: 4242, host: '127.0.0.1', inMemory: false, forwardTo: null, sandboxUrl: null, apiKey: null, configFile: null });
    expect(c.data).toBe(path.join(dir, '.paycli', 'sandbox.json'));
  });

  test('each layer overrides the one below', () => {
    const dir = dirWith({ port: 1111, host: '127.0.0.2', sandboxUrl: 'http://file', apiKey: 'file-key', data: 'file.json' });
    expect(resolveConfig({}, {}, dir)).toMatchObject({ port: 1111, host: '127.0.0.2', sandboxUrl: 'http://file', apiKey: 'file-key', data: path.join(dir, 'file.json') });
    const env = { PAYCLI_PORT: '2222', PAYCLI_SANDBOX_URL: 'http://env', PAYCLI_API_KEY: 'env-key' };
    expect(resolveConfig({}, env, dir)).toMatchObject({ port: 2222, sandboxUrl: 'http://env', apiKey: 'env-key', host: '127.0.0.2' });
    expect(resolveConfig({ port: '3333', sandboxUrl: 'http://flag' }, env, dir)).toMatchObject({ port: 3333, sandboxUrl: 'http://flag', apiKey: 'env-key' });
  });

  test('allowed host names: --allow-host (repeated) > PAYCLI_ALLOW_HOSTS (comma-separated) > allowHosts > none', () => {
    const dir = dirWith({ allowHosts: ['file.test'] });
    expect(resolveConfig({}, {}, dirWith()).allowHosts).toEqual([]);
    expect(resolveConfig({}, {}, dir).allowHosts).toEqual(['file.test']);
    expect(resolveConfig({}, { PAYCLI_ALLOW_HOSTS: 'a.test, b.test' }, dir).allowHosts).toEqual(['a.test', 'b.test']);
    expect(resolveConfig({ allowHost: ['flag.test', 'two.test'] }, { PAYCLI_ALLOW_HOSTS: 'a.test' }, dir).allowHosts).toEqual(['flag.test', 'two.test']);
  });

  test('an empty environment variable does not hide the config file', () => {
    const dir = dirWith({ port: 1111 });
    expect(resolveConfig({}, { PAYCLI_PORT: '' }, dir).port).toBe(1111);
  });

  test('PAYCLI_IN_MEMORY accepts 1 and true', () => {
    const dir = dirWith();
    expect(resolveConfig({}, { PAYCLI_IN_MEMORY: '1' }, dir).inMemory).toBe(true);
    expect(resolveConfig({}, { PAYCLI_IN_MEMORY: 'true' }, dir).inMemory).toBe(true);
    expect(resolveConfig({}, { PAYCLI_IN_MEMORY: '0' }, dir).inMemory).toBe(false);
  });

  test.each([
    [{ port: 'abc' }, {}, /Invalid port "abc" \(from --port\)/],
    [{}, { PAYCLI_PORT: '70000' }, /from PAYCLI_PORT/],
  ])('an invalid port names its source', (flags, env, message) => {
    expect(() => resolveConfig(flags, env, dirWith())).toThrow(message);
  });

  test('an invalid config file is an invalid_config error naming the file and key', () => {
    expect(() => resolveConfig({}, {}, dirWith('{ nope'))).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => resolveConfig({}, {}, dirWith({ prot: 1 }))).toThrow(expect.objectContaining({ code: 'invalid_config', param: 'prot' }));
    expect(() => resolveConfig({}, {}, dirWith({ port: 'x' }))).toThrow(expect.objectContaining({ code: 'invalid_config', param: 'port' }));
  });

  test('an explicit --config must exist', () => {
    expect(() => resolveConfig({ config: 'missing.json' }, {}, dirWith())).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });
});

describe('resolveConfig: providers and their ports', () => {
  const registry = { names: ['paycli', 'stripe', 'wechatpay'] };

  test('no providers given means the command default (null) and no ports', () => {
    expect(resolveConfig({}, {}, dirWith(), registry)).toMatchObject({ providers: null, providerPorts: {} });
  });

  test('--providers > PAYCLI_PROVIDERS > "providers" in the file; a list or a comma list, deduplicated', () => {
    const dir = dirWith({ providers: ['wechatpay'] });
    expect(resolveConfig({}, {}, dir, registry).providers).toEqual(['wechatpay']);
    expect(resolveConfig({}, { PAYCLI_PROVIDERS: 'stripe, wechatpay' }, dir, registry).providers).toEqual(['stripe', 'wechatpay']);
    expect(resolveConfig({ providers: 'stripe,stripe' }, { PAYCLI_PROVIDERS: 'wechatpay' }, dir, registry).providers).toEqual(['stripe']);
    expect(resolveConfig({}, {}, dirWith({ providers: 'paycli' }), registry).providers).toEqual(['paycli']);
  });

  test('an unknown provider names its source and the registered ones', () => {
    expect(() => resolveConfig({ providers: 'stripe,nope' }, {}, dirWith(), registry)).toThrow(
      expect.objectContaining({ code: 'invalid_usage', message: 'Unknown provider "nope" (from --providers).', hint: 'Registered providers: paycli, stripe, wechatpay.' }),
    );
    expect(() => resolveConfig({}, { PAYCLI_PROVIDERS: 'nope' }, dirWith(), registry)).toThrow(/from PAYCLI_PROVIDERS/);
  });

  test('--<name>-port > PAYCLI_<NAME>_PORT > "ports" in the file; 0 is a free port', () => {
    const dir = dirWith({ ports: { stripe: 1111, wechatpay: 2222 } });
    expect(resolveConfig({}, {}, dir, registry).providerPorts).toEqual({ stripe: 1111, wechatpay: 2222 });
    expect(resolveConfig({}, { PAYCLI_STRIPE_PORT: '3333' }, dir, registry).providerPorts).toEqual({ stripe: 3333, wechatpay: 2222 });
    expect(resolveConfig({ stripePort: '0' } as object, { PAYCLI_STRIPE_PORT: '3333' }, dir, registry).providerPorts).toEqual({ stripe: 0, wechatpay: 2222 });
  });

  test('an invalid provider port names its source; a port for an unregistered provider is refused', () => {
    expect(() => resolveConfig({ wechatpayPort: 'x' } as object, {}, dirWith(), registry)).toThrow(/Invalid port "x" \(from --wechatpay-port\)/);
    expect(() => resolveConfig({}, { PAYCLI_STRIPE_PORT: '99999' }, dirWith(), registry)).toThrow(/from PAYCLI_STRIPE_PORT/);
    expect(() => resolveConfig({}, {}, dirWith({ ports: { alipay: 1 } }), registry)).toThrow(expect.objectContaining({ code: 'invalid_config', param: 'ports.alipay' }));
  });
});

describe('resolveConfig: WeChat Pay signing', () => {
  test('--wechatpay-signing > PAYCLI_WECHATPAY_SIGNING > "wechatpaySigning" in the file; null means the default', () => {
    expect(resolveConfig({}, {}, dirWith()).wechatpaySigning).toBeNull();
    const dir = dirWith({ wechatpaySigning: 'platform-certificate' });
    expect(resolveConfig({}, {}, dir).wechatpaySigning).toBe('platform-certificate');
    expect(resolveConfig({}, { PAYCLI_WECHATPAY_SIGNING: 'public-key' }, dir).wechatpaySigning).toBe('public-key');
    expect(resolveConfig({ wechatpaySigning: 'platform-certificate' }, { PAYCLI_WECHATPAY_SIGNING: 'public-key' }, dir).wechatpaySigning).toBe('platform-certificate');
  });

  test('an unknown mode names its source and the modes', () => {
    expect(() => resolveConfig({ wechatpaySigning: 'rsa' }, {}, dirWith())).toThrow(
      expect.objectContaining({ code: 'invalid_usage', message: 'Invalid WeChat Pay signing mode "rsa" (from --wechatpay-signing).', hint: 'Use public-key or platform-certificate.' }),
    );
    expect(() => resolveConfig({}, {}, dirWith({ wechatpaySigning: 'x' }))).toThrow(expect.objectContaining({ code: 'invalid_config', param: 'wechatpaySigning' }));
  });
});
