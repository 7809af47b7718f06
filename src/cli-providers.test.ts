import { describe, expect, test } from 'vitest';
import { buildProgram } from './cli.js';
import { providerLines } from './commands/sandbox-start.js';

describe('sandbox start: one --<name>-port flag per registered provider', () => {
  const start = (names: readonly string[]) => buildProgram(names).commands.find((c) => c.name() === 'sandbox')!.commands.find((c) => c.name() === 'start')!;

  test('each provider but the native one (which has --port) gets a port flag, and --providers exists', () => {
    const flags = start(['paycli', 'stripe', 'wechatpay']).options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(['--port', '--providers', '--stripe-port', '--wechatpay-port']));
    expect(flags).not.toContain('--paycli-port');
  });

  test('the flags parse into the keys resolveConfig reads', () => {
    const cmd = start(['paycli', 'stripe']);
    cmd.action(() => {});
    cmd.parse(['--providers', 'stripe', '--stripe-port', '0'], { from: 'user' });
    expect(cmd.opts()).toMatchObject({ providers: 'stripe', stripePort: '0' });
  });
});

describe('sandbox start banner', () => {
  test("lists every provider beside the native one with its URL and what it describes", () => {
    const lines = providerLines([
      { name: 'paycli', title: 'paycli', url: 'http://127.0.0.1:4242', port: 4242, credentials: {}, files: {}, description: { url: 'http://127.0.0.1:4242' } },
      {
        name: 'stripe',
        title: 'Stripe',
        url: 'http://127.0.0.1:12111',
        port: 12111,
        credentials: {},
        files: {},
        description: { url: 'http://127.0.0.1:12111', secret_key: 'sk_test_1', key_file: '/k/stripe.pem' },
      },
    ]).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    expect(lines).toEqual(['  Stripe (stripe) on http://127.0.0.1:12111', '    secret_key         sk_test_1', '    key_file           /k/stripe.pem']);
  });

  test('keeps the values in one column when a label is longer than the usual width, across providers', () => {
    const served = (name: string, description: Record<string, string>) => ({ name, title: name, url: `http://127.0.0.1/${name}`, port: 1, credentials: {}, files: {}, description });
    const lines = providerLines([
      served('stripe', { secret_key: 'sk_test_1' }),
      served('wechatpay', { mchid: '1900000001', merchant_private_key_file: '/k/apiclient_key.pem', public_key_id: 'PUB_KEY_ID_1' }),
    ])
      .map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))
      .filter((l) => l.startsWith('    '));
    expect(lines).toEqual([
      '    secret_key                sk_test_1',
      '    mchid                     1900000001',
      '    merchant_private_key_file /k/apiclient_key.pem',
      '    public_key_id             PUB_KEY_ID_1',
    ]);
    // Every value starts in the same column.
    expect(new Set(lines.map((l) => l.search(/ \S+$/)))).toEqual(new Set([4 + 'merchant_private_key_file'.length]));
  });
});
