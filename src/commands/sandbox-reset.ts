/**
 * `paycli sandbox reset`: deletes the running sandbox's payments, refunds, events, deliveries and webhook
 * endpoints (the merchant and its keys stay, so the app's configuration keeps working). Asks first, unless
 * `--yes`; without a terminal to ask on, it refuses rather than guess.
 */
import { EXIT, PaycliError } from '../errors.js';
import { c, jsonLine, out } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import type { SandboxHealth } from './sandbox-status.js';

export interface ResetOptions extends SandboxFlags {
  yes?: boolean;
  json?: boolean;
}

export interface ResetDeps extends CommandDeps {
  /** Whether a person can answer a question (stdin and stdout are terminals). */
  interactive: boolean;
  /** Asks a yes/no question; default @inquirer/prompts `confirm`. */
  confirm?: (question: { message: string; default: boolean }) => Promise<boolean>;
}

/** Commander entry point. */
export async function sandboxReset(opts: ResetOptions): Promise<number> {
  return runSandboxReset(opts, { ...processDeps(), interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
}

/** Resets the sandbox after confirmation; 0 when reset, 1 when the user said no. */
export async function runSandboxReset(opts: ResetOptions, deps: ResetDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  const before = await client.request<SandboxHealth>('GET', '/_sandbox/health');
  if (!opts.yes) {
    if (!deps.interactive) {
      throw new PaycliError('invalid_usage', 'Refusing to reset the sandbox without confirmation: there is no terminal to ask on.', {
        hint: 'Pass --yes to reset without asking (e.g. in scripts and CI).',
      });
    }
    const ask = deps.confirm ?? (await import('@inquirer/prompts')).confirm;
    const message = `Delete ${deletedText(before.counts)} from the sandbox at ${client.url}? (The merchant and its keys stay.)`;
    // Ctrl-C at the prompt (inquirer's ExitPromptError) is a "no", not a crash.
    const yes = await ask({ message, default: false }).catch((e: unknown) => {
      if (e instanceof Error && e.name === 'ExitPromptError') return false;
      throw e;
    });
    if (!yes) {
      out('Nothing was deleted.');
      return EXIT.failed;
    }
  }
  await client.request('POST', '/_sandbox/reset');
  if (opts.json) jsonLine({ reset: true, url: client.url, deleted: before.counts });
  else out(`${c.green('✓')} Sandbox at ${client.url} reset: deleted ${deletedText(before.counts)} ${c.dim('(the merchant and its keys are unchanged)')}`);
  return EXIT.ok;
}

/** Everything a reset deletes, with the counts the sandbox reports. */
export function deletedText(n: SandboxHealth['counts']): string {
  const count = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${count(n.payments, 'payment')}, ${count(n.refunds, 'refund')}, ${count(n.events, 'event')}, ${count(n.deliveries, 'delivery record')}, every webhook endpoint and every chaos rule`;
}
