/**
 * The table of commands. Each command's code lives in `src/commands/` and is imported only when that
 * command runs, so `paycli --version` stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, PaycliError, toPaycliError } from './errors.js';
import { portEnvVar } from './config-names.js';
import { PROVIDER_NAMES } from './providers/registry.js';

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

/** The `--<name>-port` flag of each provider but the native one (whose port is --port), for `sandbox start` and `scenario run`. */
function providerPortOptions(cmd: Command, names: readonly string[], anyFree = true): Command {
  for (const name of names) {
    const free = anyFree ? '; 0 picks a free one' : '';
    if (name !== 'paycli') cmd.option(`--${name}-port <port>`, `port of the ${name} provider${free} (env ${portEnvVar(name)}; default: its usual port)`);
  }
  return cmd;
}

/** The program; `providerNames` defaults to the registry (tests pass their own). */
export function buildProgram(providerNames: readonly string[] = PROVIDER_NAMES): Command {
  const program = new Command('paycli')
    .description('A local mock payment service provider and developer CLI. Offline, deterministic, with callback chaos.')
    .version(pkg.version, '-v, --version')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true });

  // --- sandbox ---
  const sandbox = program.command('sandbox').description('run and manage the local mock PSP');
  jsonOption(
    providerPortOptions(sandbox
      .command('start')
      .description('start the sandbox (the mock PSP) in the foreground')
      // No commander defaults: flags > PAYCLI_* env > paycli.config.json > defaults, resolved in one place.
      .option('-p, --port <port>', 'port of the native API and the control API, 0 for any free one (env PAYCLI_PORT; default 4242)', undefined)
      .option('--providers <list>', `providers to serve, comma-separated (env PAYCLI_PROVIDERS; default: all of ${providerNames.join(', ')}); the native one always runs`)
      .option('--host <host>', 'interface to bind (env PAYCLI_HOST; default 127.0.0.1, this machine only)', undefined)
      .option('--data <file>', 'data file (env PAYCLI_DATA; default .paycli/sandbox.json)', undefined)
      .option('--in-memory', 'keep state in memory only, nothing on disk (for CI; default: off)')
      .option('--forward-to <url|port>', 'also deliver every event to this URL (default: none)')
      .option('--retry-schedule <list>', 'notification retry delays (default "1s,5s,30s,2m,10m,1h,3h,6h,12h,24h" for the native API; other providers keep their own)')
      .option('--wechatpay-signing <mode>', 'WeChat Pay signs with its public key or its platform certificate: public-key (default) or platform-certificate (env PAYCLI_WECHATPAY_SIGNING)')
      .option('--allow-host <name>', 'also answer requests addressed to this host name (repeatable; env PAYCLI_ALLOW_HOSTS, comma-separated)', (v: string, all: string[] = []) => [...all, v])
      .option('--virtual-clock', 'time moves only through POST /_sandbox/clock/advance (for scenario replay against a running sandbox)')
      .option('--config <file>', 'config file (default paycli.config.json)')
      .option('-q, --quiet', 'do not log each request and delivery'), providerNames),
  ).action(lazy(async () => (await import('./commands/sandbox-start.js')).sandboxStart));

  jsonOption(sandboxClientOptions(sandbox.command('status').description('show whether a sandbox is running and what it holds'))).action(
    lazy(async () => (await import('./commands/sandbox-status.js')).sandboxStatus),
  );
  jsonOption(
    sandboxClientOptions(
      sandbox
        .command('reset')
        .description('delete every payment, refund, event, delivery record, webhook endpoint and chaos rule (keeps the merchant and its keys)')
        .option('-y, --yes', 'do not ask for confirmation'),
    ),
  ).action(lazy(async () => (await import('./commands/sandbox-reset.js')).sandboxReset));

  // --- dev loop: listen, trigger, events, logs ---
  jsonOption(
    sandboxClientOptions(
      program
        .command('listen')
        .description("forward the running sandbox's events to your app, each signed as its provider signs it")
        .option('-f, --forward-to <port|url>', 'your app: a port (3000 → http://127.0.0.1:3000/), a port and path (3000/webhooks) or a URL')
        .option('-e, --events <list>', "only these types, in each provider's names, comma-separated; wildcards like payment.*, REFUND.* (default: all)")
        .option('-H, --headers <list>', 'extra request headers, e.g. "X-Env: dev,X-Team: pay"')
        .option('--print-secret', 'print the webhook signing secret and exit')
        .option('--provider <name>', "only that provider's notifications: paycli, stripe (Stripe events, Stripe-Signature, like stripe listen), alipay, wechatpay"),
    ),
  ).action(lazy(async () => (await import('./commands/listen.js')).listen));
  jsonOption(
    sandboxClientOptions(
      program
        .command('trigger')
        .description('make something happen in the running sandbox (real objects, so real events follow)')
        .argument('[name]', 'what to trigger, e.g. payment.succeeded, refund.succeeded, TRADE_SUCCESS, REFUND.SUCCESS (see --list)')
        .option('--list', 'list what can be triggered')
        .option('--provider <name>', "only that provider's own event names: paycli, stripe, alipay, wechatpay")
        .option('--amount <minor>', 'amount in minor units (default 2000)')
        .option('--currency <code>', 'currency (default usd)')
        .option('--card <number>', 'card number (a test card from the README)')
        .option('--notify-url <url|port>', "set the payment's notify_url (Alipay, WeChat Pay too), so the sandbox also notifies it")
        .option('--reason <code>', 'payment.failed: the decline code (insufficient_funds, expired_card, …)'),
    ),
  ).action(lazy(async () => (await import('./commands/trigger.js')).trigger));

  const events = program.command('events').description("list, inspect and resend the running sandbox's events");
  jsonOption(
    sandboxClientOptions(
      events
        .command('list')
        .description('list events, newest first')
        .option('--type <type>', 'only this event type, or a wildcard such as payment.*')
        .option('--payment <id>', 'only events about this payment (and its refunds): any id you hold (pay_…, out_trade_no, trade_no, pi_…)')
        .option('--provider <name>', 'only payments made through this provider: paycli, stripe, alipay, wechatpay')
        .option('--limit <n>', 'how many (1-100)', '20'),
    ),
  ).action(lazy(async () => (await import('./commands/events.js')).eventsList));
  jsonOption(sandboxClientOptions(events.command('show').description('show an event, its deliveries and every attempt').argument('<id>', 'event id (evt_…) or a notification id (notify_id, …)'))).action(
    lazy(async () => (await import('./commands/events.js')).eventsShow),
  );
  jsonOption(
    sandboxClientOptions(
      events
        .command('resend')
        .description('deliver an event again, with the same id (webhook-id), and show what came back')
        .argument('<id>', 'event id (evt_…) or a notification id (notify_id, …)')
        .option('--to <url|port>', "send it here instead of the event's own destinations")
        .option('--retry', 'retry a failed attempt on the retry schedule (default: one attempt)')
        .option('--no-wait', 'do not wait for the first attempt'),
    ),
  ).action(lazy(async () => (await import('./commands/events.js')).eventsResend));
  jsonOption(
    sandboxClientOptions(events.command('cancel-retries').description("cancel the pending retries of an event's deliveries").argument('<id>', 'event id (evt_…)')),
  ).action(lazy(async () => (await import('./commands/events.js')).eventsCancelRetries));

  // --- everyday objects: payments, refunds, webhook endpoints ---
  const payments = program.command('payments').description("list, show, create, capture and cancel the running sandbox's payments");
  jsonOption(
    sandboxClientOptions(
      payments
        .command('list')
        .description('list payments, newest first')
        .option('--status <status>', 'only this status (requires_action, pending, requires_capture, succeeded, failed, canceled)')
        .option('--order <id>', 'only this merchant_order_id')
        .option('--limit <n>', 'how many (1-100)', '20'),
    ),
  ).action(lazy(async () => (await import('./commands/payments.js')).paymentsList));
  jsonOption(sandboxClientOptions(payments.command('show').description('show a payment').argument('<id>', 'payment id (pay_…)'))).action(
    lazy(async () => (await import('./commands/payments.js')).paymentsShow),
  );
  jsonOption(
    sandboxClientOptions(
      payments
        .command('create')
        .description('create a payment (a test card, 4242… by default, or a wallet)')
        .option('--amount <minor>', 'amount in minor units (1999 = 19.99)')
        .option('--currency <code>', 'currency', 'usd')
        .option('--card <number>', 'test card number (see the README), default 4242424242424242')
        .option('--wallet <name>', 'alipay, wechat_pay, paypal or apple_pay instead of a card')
        .option('--order <id>', 'merchant_order_id (default: a fresh cli_… id)')
        .option('--manual-capture', 'authorise only; capture later with `payments capture`')
        .option('--notify-url <url|port>', 'where the sandbox notifies this payment')
        .option('--description <text>', 'description'),
    ),
  ).action(lazy(async () => (await import('./commands/payments.js')).paymentsCreate));
  jsonOption(
    sandboxClientOptions(
      payments.command('capture').description('capture an authorised payment').argument('<id>', 'payment id (pay_…)').option('--amount <minor>', 'capture part of it (default: all)'),
    ),
  ).action(lazy(async () => (await import('./commands/payments.js')).paymentsCapture));
  jsonOption(
    sandboxClientOptions(payments.command('cancel').description('cancel an unpaid or uncaptured payment').argument('<id>', 'payment id (pay_…)').option('--reason <text>', 'cancellation_reason')),
  ).action(lazy(async () => (await import('./commands/payments.js')).paymentsCancel));

  const refunds = program.command('refunds').description("create, list and show the running sandbox's refunds");
  jsonOption(
    sandboxClientOptions(
      refunds
        .command('create')
        .description('refund a payment')
        .argument('<payment>', 'payment id (pay_…)')
        .option('--amount <minor>', 'amount in minor units (default: what is left)')
        .option('--reason <reason>', 'requested_by_customer, duplicate, fraudulent or other'),
    ),
  ).action(lazy(async () => (await import('./commands/refunds.js')).refundsCreate));
  jsonOption(
    sandboxClientOptions(refunds.command('list').description('list refunds, newest first').option('--payment <id>', 'only refunds of this payment').option('--limit <n>', 'how many (1-100)', '20')),
  ).action(lazy(async () => (await import('./commands/refunds.js')).refundsList));
  jsonOption(sandboxClientOptions(refunds.command('show').description('show a refund').argument('<id>', 'refund id (re_…)'))).action(
    lazy(async () => (await import('./commands/refunds.js')).refundsShow),
  );

  const endpoints = program.command('endpoints').description("list, create and delete the running sandbox's webhook endpoints");
  jsonOption(sandboxClientOptions(endpoints.command('list').description('list webhook endpoints'))).action(lazy(async () => (await import('./commands/endpoints.js')).endpointsList));
  jsonOption(
    sandboxClientOptions(
      endpoints
        .command('create')
        .description('register a webhook endpoint; prints its signing secret')
        .argument('<url|port>', 'where to deliver: a port (3000 → http://127.0.0.1:3000/) or a URL')
        .option('-e, --events <list>', 'only these event types, comma-separated; wildcards like payment.* (default: all)')
        .option('--description <text>', 'description'),
    ),
  ).action(lazy(async () => (await import('./commands/endpoints.js')).endpointsCreate));
  jsonOption(sandboxClientOptions(endpoints.command('delete').description('delete a webhook endpoint').argument('<id>', 'endpoint id (we_…)'))).action(
    lazy(async () => (await import('./commands/endpoints.js')).endpointsDelete),
  );

  // --- PSP API faults ---
  const faults = program.command('faults').description("make the running sandbox's own API fail on purpose (500, 503, 429, delay, hang, reset)");
  jsonOption(
    sandboxClientOptions(
      faults
        .command('add')
        .description('arm a fault rule: matching API requests fail this way')
        .argument('<fault>', '500 | 503 | 429 | delay | hang | reset')
        .option('--provider <name>', 'only this provider (paycli), default all')
        .option('--method <method>', 'only this HTTP method, default all')
        .option('--path <pattern>', "only paths matching this (* matches anything), e.g. '/v1/payments*'")
        .option('--times <n>', 'the next n matching requests, then the rule is gone')
        .option('--percent <p>', 'this share of matching requests (1-100), drawn from a seeded random')
        .option('--seed <seed>', 'seed for --percent (the same seed faults the same requests)')
        .option('--retry-after <seconds>', '429: the Retry-After header (default 1)')
        .option('--delay <duration>', 'delay: how long before answering normally, e.g. 2s'),
    ),
  ).action(lazy(async () => (await import('./commands/faults.js')).faultsAdd));
  jsonOption(sandboxClientOptions(faults.command('list').description('list the armed fault rules, in the order they apply'))).action(
    lazy(async () => (await import('./commands/faults.js')).faultsList),
  );
  jsonOption(sandboxClientOptions(faults.command('clear').description('remove one fault rule, or all').argument('[id]', 'a rule id (fault_…); default all'))).action(
    lazy(async () => (await import('./commands/faults.js')).faultsClear),
  );

  const logs = program.command('logs').description("the running sandbox's API requests and notification attempts");
  jsonOption(
    sandboxClientOptions(
      logs
        .command('tail')
        .description('print logged requests and deliveries, then follow new ones')
        .option('--type <kind>', 'request or delivery')
        .option('--status <list>', 'HTTP statuses: codes (404), classes (4xx) or error (no response), comma-separated')
        .option('--path <prefix>', 'request path (or notified URL path) starting with this')
        .option('--limit <n>', 'how many already-logged entries to show (0: all)', '50')
        .option('--no-follow', 'print what is logged and exit'),
    ),
  ).action(lazy(async () => (await import('./commands/logs.js')).logsTail));

  jsonOption(
    sandboxClientOptions(
      program
        .command('stats')
        .description("the running sandbox's payment analytics: volume, success rate, declines, methods, refunds, notification delivery")
        .option('--since <when>', 'only payments from this long ago (24h, 7d) or since this date (2026-03-01)')
        .option('--provider <name>', 'only payments made through this provider (e.g. paycli)'),
    ),
  ).action(lazy(async () => (await import('./commands/stats.js')).stats));

  // --- tunnel --- (`tunnel <target>` runs; `tunnel requests` / `tunnel replay <id>` are subcommands that
  // read --log and --json from it through optsWithGlobals).
  const tunnel = jsonOption(
    program
      .command('tunnel')
      .description('expose your app on a public ngrok URL, recording every request for listing and replay')
      .argument('<target>', 'your app: a port (3000) or a URL (http://localhost:3000)')
      .option('--authtoken <token>', 'ngrok authtoken (env NGROK_AUTHTOKEN, or "ngrokAuthtoken" in paycli.config.json)')
      .option('--basic-auth <user:pass>', 'ask visitors for these credentials')
      .option('--allow-cidr <cidr...>', 'only let these IP ranges in, e.g. 203.0.113.0/24')
      .option('--log <file>', 'request log (default .paycli/tunnel/requests.jsonl)')
      .option('--timeout <duration>', 'how long to wait for ngrok: seconds (15) or a duration (10s, 1m)', '15'),
  ).action(lazy(async () => (await import('./commands/tunnel.js')).tunnel));
  // The subcommands take the options they use themselves, and their help lists only those.
  const logOption = (cmd: Command) => jsonOption(cmd.option('--log <file>', 'request log (default .paycli/tunnel/requests.jsonl)')).configureHelp({ showGlobalOptions: false });
  logOption(
    tunnel
      .command('requests')
      .description('list recorded tunnel requests, oldest first')
      .option('--limit <n>', 'how many of the most recent to show (0: all)', '20'),
  ).action(lazy(async () => (await import('./commands/tunnel.js')).tunnelRequests));
  logOption(
    tunnel
      .command('replay')
      .description('send a recorded request again, byte for byte, and print the new status')
      .argument('<id>', 'a request id from `paycli tunnel requests`')
      .option('--to <url|port>', 'send it here instead of where it first went'),
  ).action(lazy(async () => (await import('./commands/tunnel.js')).tunnelReplay));

  // --- init ---
  jsonOption(
    program
      .command('init')
      .description('scaffold a merchant app (Express, Fastify or Next.js) that integrates with a PSP correctly, with scenarios and CI')
      .option('--psp <name>', 'paycli (default) | alipay: an app on alipay-sdk | wechatpay: an app on wechatpay-axios-plugin | stripe: an app on stripe-node')
      .option('--framework <name>', 'express | fastify | nextjs')
      .option('--language <lang>', 'ts | js')
      .option('--dir <path>', 'where to write the app (default: the current directory)')
      .option('--ci', 'add a GitHub Actions workflow that replays the scenarios (default)')
      .option('--no-ci', 'do not add the workflow')
      .option('-y, --yes', 'ask nothing: take the defaults for what the flags leave open')
      .option('--force', 'overwrite files that exist with other contents')
      .option('--dry-run', 'list what would be written; write nothing'),
  ).action(lazy(async () => (await import('./commands/init.js')).init));

  // --- scenario ---
  const scenario = program.command('scenario').description('replay scenario files against your app on a virtual clock (for CI)');
  const scenarioRunCmd = scenario
    .command('run')
    .description('run scenarios against your app and an in-process sandbox; exit 0 all passed, 1 any failed, 2 invalid input')
    .argument('[paths...]', 'scenario files, directories or quoted globs ("scenarios/**/*.yaml")')
    .option('--reporter <name>', 'pretty, json or junit', 'pretty')
    .option('--out <file>', 'write the report to this file (progress still shows)')
    .option('--bail', 'skip the remaining scenarios after the first that fails')
    .option('--filter <text>', 'only scenarios whose name contains this')
    .option('--seed <seed>', 'seed for ids: the same seed gives the same run (default: a fresh one per run, printed)')
    .option('--builtin <set>', 'also run a built-in set: webhook-endpoint (needs only --notify-url), conformance, psp-faults (the whole app: /checkout, /orders), or a provider\'s: stripe, stripe-conformance, …')
    .option('--app-url <url>', "your app's base URL (env PAYCLI_APP_URL; default: each scenario's setup, else http://127.0.0.1:3000)")
    .option('-p, --port <port>', 'port of the scenario sandbox your app calls (env PAYCLI_PORT; default 4242)')
    .option('--api-key <key>', 'secret key the sandbox accepts (env PAYCLI_API_KEY; default: a fixed test key, printed)')
    .option('--webhook-secret <whsec>', 'secret notifications are signed with (env PAYCLI_WEBHOOK_SECRET; default: a fixed test secret, printed)')
    .option('--sandbox-url <url>', 'use this running sandbox (on a virtual clock) instead of starting one')
    .option('--notify-url <url|port>', "your notification endpoint, whatever its path (default: the app URL + each scenario's notify path, /webhooks)")
    .option('--app-timeout <duration>', 'how long to wait for the app to answer a request (default 30s; also caps a notification attempt, default 10s)')
    .option('--wechatpay-signing <mode>', 'WeChat Pay scenarios: sign with the WeChat Pay public key or the platform certificate, as your merchant account does: public-key (default) or platform-certificate (env PAYCLI_WECHATPAY_SIGNING)');
  // Provider scenarios (setup.provider: stripe, …): the app's SDK talks to a fixed front on the provider's port.
  providerPortOptions(scenarioRunCmd, providerNames).action(lazy(async () => (await import('./commands/scenario-run.js')).scenarioRun));
  jsonOption(
    providerPortOptions(
      scenario
        .command('credentials')
        .description("write a provider's fixed scenario key files and print the app's settings, before the app starts (then `scenario run`)")
        .requiredOption('--provider <name>', `the provider: ${providerNames.filter((n) => n !== 'paycli').join(', ')}`)
        .option('--out <dir>', 'folder for the key files (default .paycli/scenario/<provider>, where `scenario run` writes them)')
        .option('--wechatpay-signing <mode>', 'WeChat Pay: the key the run signs with, public-key (default) or platform-certificate (env PAYCLI_WECHATPAY_SIGNING)'),
      // The app is configured with the port before the run, so it must be a fixed one.
      providerNames.filter((n) => n !== 'paycli'),
      false,
    ),
  ).action(lazy(async () => (await import('./commands/scenario-credentials.js')).scenarioCredentials));
  jsonOption(
    scenario
      .command('validate')
      .description('check scenario files without running them; exit 2 when any is invalid')
      .argument('[paths...]', 'scenario files, directories or quoted globs')
      .option('--builtin <set>', 'also check a built-in set: conformance, stripe, stripe-conformance, …'),
  ).action(lazy(async () => (await import('./commands/scenario-validate.js')).scenarioValidate));
  jsonOption(
    scenario
      .command('list')
      .description('list scenarios (default: ./scenarios)')
      .argument('[paths...]', 'scenario files, directories or quoted globs')
      .option('--builtin <set>', 'list a built-in set: conformance, stripe, stripe-conformance, …'),
  ).action(lazy(async () => (await import('./commands/scenario-list.js')).scenarioList));

  return program;
}

/** Runs the CLI and returns the process exit code. Errors end here and nowhere else. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Commander copies exitOverride only to commands created after it is set, so set it on every command:
  // usage errors must come back here as exit code 2, never end the process from inside a parser.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
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
