/**
 * The trigger half of the provider contract (optional): a provider may name its own notification types as
 * fixtures for `paycli trigger` (Stripe's `payment_intent.succeeded`, Alipay's `TRADE_SUCCESS`, WeChat
 * Pay's `REFUND.SUCCESS`, …). A fixture is the real flow: the merchant's calls to the provider's own API,
 * signed as its SDK signs them, and the buyer acting through the control API, so the notifications that
 * follow are the ones the provider really sends. Fixtures run in the CLI process over HTTP, never inside
 * the sandbox; they print nothing.
 *
 * Each provider that has fixtures keeps them in its folder (`trigger-fixtures.ts`) and has one line in
 * `trigger-registry.ts`, loaded lazily so the CLI lists commands without loading them.
 */

export interface ProviderFixture {
  /** What `paycli trigger <name>` takes; unique within the provider. */
  name: string;
  /** One line for `--list`. */
  description: string;
  /** The provider's notification (event) types it causes, in order, with the default options. */
  events: readonly string[];
  /** Options it cannot run without (a WeChat Pay Native order needs a notify_url). */
  requires?: readonly (keyof ProviderTriggerOptions)[];
}

/** The options a provider's fixtures may take (`--amount`, `--notify-url`); which apply is per provider. */
export interface ProviderTriggerOptions {
  /** Minor units (fen, cents). */
  amount?: number;
  notifyUrl?: string;
}

/** The sandbox's control API as a fixture uses it (the simulated buyer); the CLI's sandbox client is one. */
export interface ControlApi {
  request<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T>;
}

export interface ProviderTriggerContext {
  /** The provider's own base URL (its port). */
  url: string;
  /** The merchant's credentials for this provider, as the provider minted them. */
  creds: Record<string, unknown>;
  control: ControlApi;
  options: ProviderTriggerOptions;
  /** Real time now, in milliseconds (for what a protocol signs: timestamps are checked against the wall clock). */
  now(): number;
  /** A fresh merchant order number. */
  orderId(): string;
}

/** One call a fixture made, as the output shows it. */
export interface ProviderTriggerStep {
  name: string;
  /** `POST /v1/payment_intents`, `alipay.trade.precreate`, `POST /_sandbox/buyer/…/complete`. */
  request: string;
  status: number;
  /** The id of what it created or touched, when there is one. */
  id: string | null;
}

export interface ProviderTriggerRun {
  steps: ProviderTriggerStep[];
  /** The merchant's handle of the payment (order number, trade or intent id), to read its notifications back. */
  payment_ref: string | null;
  /** The provider's events, when it lists them itself (Stripe's `/v1/events`); otherwise read from the sandbox. */
  events?: { id: string; type: string }[];
}

export interface ProviderTriggers {
  /** As `--list` and messages name the provider (`Stripe`, `Alipay`, `WeChat Pay`). */
  title: string;
  /** Which options apply to this provider's fixtures; the others are refused. */
  options: readonly (keyof ProviderTriggerOptions)[];
  fixtures: readonly ProviderFixture[];
  /** Runs a fixture; throws an Error naming the step when a call answers other than expected. */
  run(fixture: ProviderFixture, ctx: ProviderTriggerContext): Promise<ProviderTriggerRun>;
}
