/**
 * The table of commands. Each command's code lives in `src/commands/` and is imported only when that
 * command runs, so `paycli --version` stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, PaycliError, toPaycliError } from './errors.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** Options every command that talks to a running sandbox accepts. */
function sandboxClientOptions(cmd: Command): Command {
  return cmd
    .option('--sandbox-url <url>', 'URL of a running sandbox (env PAYCLI_SANDBOX_URL; default: found from .paycli/ in this directory)')
    .option('--api-key <key>', 'secret API key of that sandbox (env PAYCLI_API_KEY)');
}

function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'machine-readable output');
}

/** Wraps a lazily imported command so its exit code reaches `main`. */
type Runner = (...args: any[]) => Promise<number | void>;
function lazy(load: () => Promise<Runner>): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const run = await load();
    const code = await run(...args);
    if (typeof code === 'number') process.exitCode = code;
  };
}

export function buildProgram(): Command {
  const program = new Command('paycli')
    .description('A local mock payment service provider and developer CLI. Offline, deterministic, with callback chaos.')
    .version(pkg.version, '-v, --version')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true });

  // --- sandbox ---
  const sandbox = program.command('sandbox').description('run and manage the local mock PSP');
  jsonOption(
    sandbox
      .command('start')
      .description('start the sandbox (the mock PSP) in the foreground')
      .option('-p, --port <port>', 'port to listen on (env PAYCLI_PORT)', undefined)
      .option('--host <host>', 'interface to bind (env PAYCLI_HOST)', undefined)
      .option('--data <file>', 'data file (env PAYCLI_DATA)', undefined)
      .option('--in-memory', 'keep state in memory only (for CI)')
      .option('--forward-to <url>', 'also deliver every event to this URL')
      .option('--retry-schedule <list>', 'notification retry delays, e.g. "1s,5s,30s,2m,10m,1h"')
      .option('--config <file>', 'config file (default paycli.config.json)')
      .option('-q, --quiet', 'do not log each request and delivery'),
  ).action(lazy(async () => (await import('./commands/sandbox-start.js')).sandboxStart));

  jsonOption(sandboxClientOptions(sandbox.command('status').description('show whether a sandbox is running and what it holds'))).action(
    lazy(async () => (await import('./commands/sandbox-status.js')).sandboxStatus),
  );
  jsonOption(
    sandboxClientOptions(
      sandbox
        .command('reset')
        .description('delete all payments, refunds, events and deliveries (keeps the keys)')
        .option('-y, --yes', 'do not ask for confirmation'),
    ),
  ).action(lazy(async () => (await import('./commands/sandbox-reset.js')).sandboxReset));

  return program;
}

/** Runs the CLI and returns the process exit code. Errors end here and nowhere else. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; they have already printed.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const e = toPaycliError(err);
  const useColor = !process.env.NO_COLOR && process.stderr.isTTY;
  const red = (s: string) => (useColor ? `\x1b[31m${s}\x1b[39m` : s);
  const dim = (s: string) => (useColor ? `\x1b[2m${s}\x1b[22m` : s);
  if (e.isBug) {
    process.stderr.write(`${red('paycli hit a bug:')} ${e.message}\n`);
    const cause = e.cause instanceof Error ? e.cause : e;
    if (cause.stack) process.stderr.write(dim(cause.stack) + '\n');
    process.stderr.write('Please report it with the command you ran.\n');
    return EXIT.bug;
  }
  process.stderr.write(`${red('error')} ${e.message}${dim(` [${e.code}]`)}\n`);
  if (e.hint) process.stderr.write(`${dim('hint:')} ${e.hint}\n`);
  return e.code === 'invalid_usage' || e.code === 'invalid_scenario' || e.code === 'invalid_config' ? EXIT.usage : EXIT.failed;
}

export { PaycliError, Option };
