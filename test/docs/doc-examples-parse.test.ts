/** How documented examples are read: blocks, commands, notation, expectations and substitutions. */
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scenarios/harness.js';
import { allBlocks, blocksOf, expandNotation } from './doc-examples.js';
import { outputPattern, rememberIds, shownValues, withIds, withKeys, withPorts } from './example-runner.js';

const ports = { paycli: 1, stripe: 2, alipay: 3, wechatpay: 4, app: 5 };

describe('reading examples', () => {
  it('splits a shell block into commands, with their arrows and output, across quotes and continuations', () => {
    const md = [
      'Text.',
      '```sh',
      "curl -s $PAYCLI/v1/refunds -d '{",
      '  "amount": 500 # not a comment',
      "}'   # → 201 {\"amount\":500}",
      'paycli a \\',
      '  --b; paycli c   # a note',
      '# shown output',
      '```',
    ].join('\n');
    const [block] = blocksOf('x.md', md);
    expect(block!.language).toBe('shell');
    expect(block!.commands.map((c) => [c.line, c.text, c.arrow, c.output])).toEqual([
      [3, "curl -s $PAYCLI/v1/refunds -d '{\n  \"amount\": 500 # not a comment\n}'", '201 {"amount":500}', []],
      [6, 'paycli a \\\n  --b', null, []],
      [6, 'paycli c', null, ['shown output']],
    ]);
  });

  it('reads transcripts, not-run comments, and leaves usage blocks and other languages alone', () => {
    const md = ['```', '$ paycli trigger x', '✓ Triggered x', '```', '', '<!-- not run: needs the network -->', '```sh', 'paycli tunnel 3000', '```', '```', 'paycli listen <port>', '```', '```yaml', 'a: 1', '```'].join('\n');
    const blocks = blocksOf('x.md', md);
    expect(blocks.map((b) => [b.language, b.notRun])).toEqual([['shell', null], ['shell', 'needs the network'], [null, null], [null, null]]);
    expect(blocks[0]!.commands).toEqual([{ line: 2, text: 'paycli trigger x', arrow: null, output: ['✓ Triggered x'] }]);
  });

  it('runs usage notation the way a reader tries it', () => {
    expect(expandNotation('paycli logs tail [--type request|delivery] [--status 500] [--no-follow]')).toBe('paycli logs tail --type request --status 500 --no-follow');
    expect(expandNotation('paycli payments create --amount 2000 [--card 4000000000009995 | --wallet alipay] [--order <id>]')).toBe('paycli payments create --amount 2000 --card 4000000000009995');
    expect(expandNotation('paycli payments show|capture|cancel pay_…')).toBe('paycli payments show pay_…');
    expect(expandNotation("curl -d '{\"a\": [1]}' | jq .a")).toBe("curl -d '{\"a\": [1]}' | jq .a");
  });

  it('substitutes ports standing alone, ids printed before and keys', () => {
    expect(withPorts('http://127.0.0.1:4242 -f 3000 card 4242424242424242 port: 12111, :4243/ 4244', ports)).toBe('http://127.0.0.1:1 -f 5 card 4242424242424242 port: 2, :3/ 4');
    const ids = new Map<string, string>();
    rememberIds('{"id":"re_AAAAAAAAAAAA","payment_id":"pay_BBBBBBBBBBBB"} pay_CCCCCCCCCCCC', ids);
    expect(withIds('refund pay_… then evt_… and re_9jo6GJh2yKUiQNby35RZfIiN', ids)).toBe('refund pay_BBBBBBBBBBBB then evt_… and re_AAAAAAAAAAAA');
    expect(withKeys('--api-key sk_test_… --webhook-secret whsec_… pm_card_visa', { secret_key: 'sk_test_K', webhook_secret: 'whsec_W' })).toBe('--api-key sk_test_K --webhook-secret whsec_W pm_card_visa');
  });

  it('matches shown output with wildcards for what changes between runs', () => {
    expect(outputPattern('  payment  pay_YVb6ZA4JX3fubsM3rnClhiWh  failed  20.00 USD').test('  payment  pay_Q1  failed  20.00 USD')).toBe(true);
    expect(outputPattern('  payment  pay_YVb6ZA4JX3fubsM3rnClhiWh  failed  20.00 USD').test('  payment  pay_Q1  succeeded  20.00 USD')).toBe(false);
    expect(outputPattern('    #1  01:39:17  200  8 ms').test('    #1  12:00:01  200  31 ms')).toBe(true);
    expect(outputPattern('  secret key      sk_test_…').test('  secret key      sk_test_abc')).toBe(true);
  });

  it('finds the value a snippet shows after a top-level const', () => {
    const code = "const pi = await x.create({\n}).catch((e) => e); // → StripeCardError { code: 'card_declined', n: 2 }\nconst { data } = await y();\n// → { qr: 'http://h/qr/2026…' }";
    expect(shownValues(code)).toEqual([
      { line: 2, binding: 'pi', className: 'StripeCardError', fields: [['code', 'card_declined'], ['n', 2]] },
      { line: 4, binding: 'data', className: null, fields: [['qr', 'http://h/qr/2026…']] },
    ]);
  });
});

describe('the documented examples', () => {
  const blocks = allBlocks(ROOT);
  it('are found: shell commands and programs in the README and the docs', () => {
    const commands = blocks.filter((b) => b.language === 'shell' && b.notRun === null).flatMap((b) => b.commands);
    expect(commands.length).toBeGreaterThan(60);
    expect(blocks.filter((b) => (b.language === 'js' || b.language === 'ts') && b.notRun === null).length).toBeGreaterThanOrEqual(5);
  });
  it('that are not run say why', () => {
    for (const b of blocks.filter((x) => x.notRun !== null)) expect(b.notRun!.length, `${b.file}:${b.line}`).toBeGreaterThan(10);
  });
});
