/**
 * Every `paycli …` command line in the README and the docs names a command that exists, with flags that
 * command takes: the examples a new user copies do not fail on a typo or a renamed flag.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { ROOT } from '../scenarios/harness.js';

// The READMEs `paycli init` writes into a new app are documentation a user copies from too.
const templates = readdirSync(path.join(ROOT, 'src', 'scaffold', 'templates'))
  .map((t) => `src/scaffold/templates/${t}/README.md.tmpl`)
  .filter((f) => existsSync(path.join(ROOT, f)));
const files = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...templates];

/** `paycli …` lines inside fenced code blocks (comments and `$ ` prompts removed, `npx` allowed). */
function commandLines(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const lines: string[] = [];
  for (const block of text.split('```').filter((_, i) => i % 2 === 1)) {
    for (const raw of block.split('\n')) {
      const line = raw.replace(/^\s*\$\s+/, '').replace(/^NGROK_AUTHTOKEN=\S+\s+/, '').replace(/\s+#.*$/, '').trim();
      const m = /^(?:npx\s+)?paycli\s+(.*)$/.exec(line);
      if (m && !line.includes('|') && !line.includes(';')) lines.push(m[1]!);
    }
  }
  return lines;
}

/** The command the words lead to, and the flags used. */
function resolve(args: string): { command: Command; path: string[]; flags: string[] } {
  let command = buildProgram() as Command;
  const words = args.split(/\s+/);
  const used: string[] = [];
  for (const w of words) {
    const sub = command.commands.find((c) => c.name() === w);
    if (!sub) break;
    command = sub;
    used.push(w);
  }
  const flags = words.filter((w) => /^--?[a-z]/i.test(w.replace(/^\[/, ''))).map((w) => w.replace(/^\[/, '').replace(/[=\]].*$/, ''));
  return { command, path: used, flags };
}

describe('documented commands', () => {
  const cases = files.flatMap((f) => commandLines(f).map((l) => [f, l] as const));
  it('finds the examples', () => {
    expect(cases.length).toBeGreaterThan(30);
  });
  it("finds each provider app's scenario commands in the README init writes for it", () => {
    for (const psp of ['stripe', 'alipay', 'wechatpay']) {
      const lines = commandLines(`src/scaffold/templates/${psp}-express-js/README.md.tmpl`);
      expect(lines.some((l) => l.startsWith(`scenario run --builtin ${psp}`)), psp).toBe(true);
    }
  });
  it.each(cases)('%s: paycli %s', (_file, line) => {
    const { command, path: words, flags } = resolve(line);
    expect(words.length, `no such command in "paycli ${line}"`).toBeGreaterThan(0);
    const known = new Set<string>(['--help', '-h', '--version', '-v']);
    for (let c: Command | null = command; c; c = c.parent) for (const o of c.options) [o.long, o.short].forEach((n) => n && known.add(n));
    for (const o of command.options) if (o.negate && o.long) known.add(o.long);
    for (const f of flags) expect(known.has(f), `"${f}" is not an option of "paycli ${words.join(' ')}"`).toBe(true);
  });
});
