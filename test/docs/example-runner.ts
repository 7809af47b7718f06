/**
 * Runs documented examples for real: shell commands through bash (with `paycli`, `npx paycli` and `curl`
 * shims on PATH), JavaScript and TypeScript snippets through node, in a working directory where the test's
 * sandbox is the one `paycli sandbox start` would have left running. The rules (ports, ids, keys) are in
 * CONTRIBUTING.md, "Examples are run".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import ts from 'typescript';

export interface Ports {
  paycli: number;
  stripe: number;
  alipay: number;
  wechatpay: number;
  app: number;
}

/** The documented ports and the ones the test listens on: the numbers, standing alone, are replaced. */
export function withPorts(text: string, ports: Ports): string {
  const map: Record<string, number> = { '4242': ports.paycli, '12111': ports.stripe, '4243': ports.alipay, '4244': ports.wechatpay, '3000': ports.app };
  return text.replace(/(?<![\w.])(4242|12111|4243|4244|3000)(?![\w])/g, (n) => String(map[n]));
}

const ID = /\b(pay|re|evt|dlv|we|fault|pi|ch|cs|cus|req)_(?:…|[A-Za-z0-9]{12,})/g;

/** Ids an example names (`pay_…` or a sample id) become the ones earlier examples of the page printed. */
export function withIds(text: string, ids: Map<string, string>): string {
  return text.replace(ID, (whole, prefix: string) => ids.get(prefix) ?? whole);
}

/** Keys written `sk_test_…`, `pk_test_…`, `whsec_…` are the sandbox's (its native provider's). */
export function withKeys(text: string, keys: { secret_key: string; publishable_key?: string; webhook_secret: string }): string {
  return text
    .replace(/\bsk_test_…/g, keys.secret_key)
    .replace(/\bpk_test_…/g, keys.publishable_key ?? 'pk_test_…')
    .replace(/\bwhsec_…/g, keys.webhook_secret);
}

/** Remembers the first id of each kind in an example's output. */
export function rememberIds(output: string, ids: Map<string, string>): void {
  const seen = new Set<string>();
  for (const m of output.matchAll(/\b(pay|re|evt|dlv|we|fault|pi|ch|cs|cus|req)_[A-Za-z0-9]{8,}\b/g)) {
    if (seen.has(m[1]!)) continue;
    seen.add(m[1]!);
    ids.set(m[1]!, m[0]);
  }
}

/** A documented output line as a pattern: `…`, ids, secrets, clock times and latencies match any value. */
export function outputPattern(line: string): RegExp {
  const escaped = line
    .trim()
    .split(/(…|\b(?:pay|re|evt|dlv|we|fault|pi|ch|req|mch)_[A-Za-z0-9]+|whsec_\S+|sk_test_\S+|\b\d\d:\d\d:\d\d(?:\.\d+)?\b|\b\d+(?:\.\d+)? ms\b)/)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
      if (part === '…') return '.*?';
      if (/ ms$/.test(part)) return '\\d+(?:\\.\\d+)?\\s+ms';
      if (/^\d/.test(part)) return '\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?';
      return `${part.split('_')[0]}_\\S+`;
    })
    .join('');
  return new RegExp(escaped);
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The exported environment after the command (shell only). */
  env: Record<string, string> | null;
  /** HTTP statuses the curl calls got, in order. */
  statuses: number[];
}

/**
 * The working directory's tools: `paycli` and `npx paycli` run this checkout as the package installed in
 * `dir/node_modules/paycli` (so `init` writes a version range, as it does for an installed paycli, instead
 * of packing the checkout), and `curl` reports each status on stderr.
 */
export function writeShims(work: string, curlPath = '/usr/bin/curl'): string {
  const dir = path.join(work, '.bin');
  mkdirSync(dir, { recursive: true });
  const paycli = `"${process.execPath}" --preserve-symlinks --preserve-symlinks-main "${path.join(work, 'node_modules', 'paycli', 'bin', 'paycli.js')}"`;
  const write = (name: string, body: string) => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  write('paycli', `exec ${paycli} "$@"`);
  write('npx', `if [ "$1" = paycli ]; then shift; exec ${paycli} "$@"; fi\nexec "${path.join(path.dirname(process.execPath), 'npx')}" "$@"`);
  // The status goes to stderr on a line of its own, so stdout stays what the reader sees.
  write('curl', `exec ${curlPath} "$@" -w '%{stderr}\\ncurl-status=%{http_code}\\n'`);
  return dir;
}

/** A node_modules where snippets find the project's dependencies and `paycli` itself. */
export function linkModules(dir: string, root: string): void {
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const entry of readdirSync(path.join(root, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
  }
  symlinkSync(root, path.join(modules, 'paycli'));
}

function collect(child: ChildProcess, withEnv: boolean): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let env = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  if (withEnv) (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => (env += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      const statuses = [...stderr.matchAll(/^curl-status=(\d+)$/gm)].map((m) => Number(m[1]));
      const parsed = withEnv && env ? Object.fromEntries(env.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : null;
      resolve({ code, signal, stdout, stderr: stderr.replace(/^curl-status=\d+\n?/gm, ''), env: parsed, statuses });
    }),
  );
}

/** Runs one shell command to its end (or `timeoutMs`), returning what it printed and the environment after. */
export async function runShell(command: string, cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  const child = spawn('bash', ['-c', `${command}\n__status=$?; env -0 >&3; exit $__status`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await collect(child, true);
  } finally {
    clearTimeout(timer);
  }
}

/** A command that keeps running (a server, `listen`, `logs tail`): started now, stopped at the page's end. */
export interface Background {
  output(): string;
  stop(): Promise<Run>;
  exited: Promise<Run>;
}

export function startBackground(argv: string[], cwd: string, env: Record<string, string>): Background {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = collect(child, false);
  return {
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until `check` holds, or the process ends, or `timeoutMs` passes (real I/O only). */
export async function waitUntil(check: () => boolean | Promise<boolean>, bg: Background | null, timeoutMs = 40_000): Promise<boolean> {
  let ended = false;
  void bg?.exited.then(() => (ended = true));
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return true;
    if (ended) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Whether something accepts connections on the port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A snippet as a module node runs: TypeScript has its types stripped. */
export function moduleSource(code: string, language: 'js' | 'ts'): string {
  if (language === 'js') return code;
  return ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

/** `// → Class { key: 'value', … }` in a snippet: what the top-level `const` before it holds. */
export interface ShownValue {
  line: number;
  binding: string;
  className: string | null;
  fields: [string, string | number][];
}

export function shownValues(code: string): ShownValue[] {
  const lines = code.split('\n');
  const shown: ShownValue[] = [];
  lines.forEach((line, i) => {
    const arrow = /\/\/\s*→\s*(.*)$/.exec(line);
    if (!arrow) return;
    let k = i;
    while (k >= 0 && !/^const\s+(\w+|\{\s*\w+\s*\})\s*=/.test(lines[k]!)) k--;
    if (k < 0) return;
    const binding = /^const\s+\{?\s*(\w+)/.exec(lines[k]!)![1]!;
    const fields: [string, string | number][] = [...arrow[1]!.matchAll(/(\w+):\s*('([^']*)'|-?\d+(?:\.\d+)?)/g)].map((m) => [m[1]!, m[3] ?? Number(m[2])]);
    shown.push({ line: i + 1, binding, className: /^([A-Z]\w*)/.exec(arrow[1]!)?.[1] ?? null, fields });
  });
  return shown;
}

/** Appends a line that prints the named top-level bindings as JSON (errors with their class), marked. */
export function reportingValues(source: string, bindings: string[]): string {
  if (bindings.length === 0) return source;
  const entries = [...new Set(bindings)].map((b) => `${JSON.stringify(b)}: typeof ${b} === 'undefined' ? null : { __class: ${b}?.constructor?.name ?? null, ...${b} }`);
  return `${source}\nconsole.log('doc-example-values ' + JSON.stringify({ ${entries.join(', ')} }));\n`;
}

/** Whether a shell command keeps running until it is stopped. */
export function keepsRunning(command: string): boolean {
  return (
    /&\s*$/.test(command) ||
    /\bpaycli sandbox start\b/.test(command) ||
    (/\bpaycli listen\b/.test(command) && !/--print-secret/.test(command)) ||
    (/\bpaycli logs tail\b/.test(command) && !/--no-follow/.test(command)) ||
    (/\bpaycli tunnel\b/.test(command) && !/\btunnel (requests|replay)\b/.test(command))
  );
}
