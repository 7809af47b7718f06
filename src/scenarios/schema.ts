/**
 * The scenario file format (version 1), as a zod schema. The JSON Schema shipped in
 * `schema/scenario.schema.json` is generated from it (see json-schema.ts), so editors and the loader agree.
 * Durations are parsed here (`30m` → 1800000); everything else stays as written, including `${step.path}`
 * references, which the runner resolves when the step runs.
 */
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { EVENT_TYPES, WALLET_TYPES } from '../engine/types.js';
import { faultRuleBody } from '../faults/fault-api.js';
import { ALL_NOTIFICATION_TYPES, SCENARIO_PROVIDERS } from './scenario-drivers.js';
import { NOTIFICATION_PROBES } from '../webhooks/notification-protocol.js';

export const SCENARIO_VERSION = 1;

const d = (description: string) => ({ description });

/** `30m`, `1h30m`, `500ms`, or a number of milliseconds. */
const duration = z
  .union([z.string().regex(/^(\d+|(\d+(\.\d+)?(ms|s|m|h|d))+)$/), z.number().int().min(0)], { error: 'must be a duration such as 500ms, 30s, 30m, 2h or 1d' })
  .refine((v) => typeof v === 'number' || parseDuration(v) !== null, { error: 'must be a duration such as 500ms, 30s, 30m, 2h or 1d' })
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)!))
  .meta(d('A duration: 500ms, 30s, 30m, 2h, 1d, 1h30m, or a number of milliseconds.'));

// Which types a scenario may name depends on its provider (semantic-checks.ts checks that); here, any
// provider's, so a misspelled type is caught even when the rest of the file has problems too.
const isKnownType = (t: string) => ALL_NOTIFICATION_TYPES.includes(t);
const isKnownPrefix = (t: string) => /^[\w-]+\.\*$/.test(t) && ALL_NOTIFICATION_TYPES.some((k) => k.startsWith(t.slice(0, -1)));
const EVENT_PATTERN_HELP = `must be "*", an event type of the scenario's provider (${EVENT_TYPES.slice(0, 3).join(', ')}, …; see docs/scenarios.md) or a prefix such as "payment.*"`;
const eventPattern = z
  .string()
  .refine((e) => e === '*' || isKnownType(e) || isKnownPrefix(e), { error: EVENT_PATTERN_HELP })
  .meta(d('An event type of the scenario\'s provider (payment.succeeded; payment_intent.succeeded for Stripe), "*" for all, or a prefix such as "payment.*".'));
const eventType = z
  .string()
  .refine(isKnownType, { error: `must be an event type of the scenario's provider (${EVENT_TYPES.slice(0, 3).join(', ')}, …; see docs/scenarios.md)` })
  .meta(d('An event type of the scenario\'s provider.'));

/** A value that may be given literally or as a `${step.path}` reference resolved at run time. */
const REF_ONLY = /^\$\{[^}]+\}$/;
const intOrRef = (min: number) =>
  z.union([z.number().int().min(min), z.string().regex(REF_ONLY)], { error: `must be an integer of at least ${min}, or a \${step.field} reference` });
const amount = intOrRef(1).meta(d('Minor units (1999 = 19.99), or a ${step.field} reference.'));
const objectId = z.string({ error: 'must be an id or a ${step.field} reference' }).min(1).meta(d('An id (pay_…) or a reference such as ${pay.id}.'));

const card = z.union(
  [
    z.string().regex(/^[\d -]{12,23}$/),
    z.strictObject({
      number: z.string(),
      exp_month: z.number().int().min(1).max(12).optional(),
      exp_year: z.number().int().min(2000).max(2100).optional(),
      cvc: z.string().optional(),
    }),
  ],
  { error: 'must be a test card number such as "4242424242424242", or {number, exp_month, exp_year, cvc}' },
);

const paymentInput = {
  amount,
  currency: z.string().regex(/^[A-Za-z]{3}$/, { error: 'must be a three-letter currency code such as usd' }),
  card: card.optional().meta(d('A test card number (expires 12/2034 unless given), or the card object.')),
  wallet: z.enum(WALLET_TYPES as [string, ...string[]], { error: `must be one of ${WALLET_TYPES.join(', ')}` }).optional(),
  payment_method: z.record(z.string(), z.unknown()).optional().meta(d('The raw payment_method object, as the API takes it.')),
  capture_method: z.enum(['automatic', 'manual']).optional(),
};

function onePaymentMethod(v: { card?: unknown; wallet?: unknown; payment_method?: unknown }, ctx: z.RefinementCtx): void {
  const given = (['card', 'wallet', 'payment_method'] as const).filter((k) => v[k] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: given.length === 0 ? 'needs one of card, wallet or payment_method' : `give only one of ${given.join(', ')}` });
  }
}

const createPayment = z
  .strictObject({
    ...paymentInput,
    merchant_order_id: z.string().min(1).max(128).optional().meta(d('Default: <scenario slug>-<step number>.')),
    notify_url: z.string().nullable().optional().meta(d("Default: the app's notification URL; null for none.")),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .superRefine(onePaymentMethod)
  .meta(d('Create a payment directly at the PSP (the sandbox), as if another system did.'));

const checkout = z
  .strictObject({
    ...paymentInput,
    body: z.record(z.string(), z.unknown()).optional().meta(d('Extra fields merged into the request body.')),
  })
  .superRefine(onePaymentMethod)
  .meta(d("POST to the app's checkout route with {amount, currency, payment_method, capture_method}; the app creates the payment."));

const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'must be GET, POST, PUT, PATCH or DELETE' });

const request = z
  .strictObject({
    method: httpMethod.optional(),
    path: z.string().startsWith('/', { error: 'must start with / (it is relative to the app URL)' }),
    json: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .meta(d('An HTTP request to the app (default GET, or POST when json is given).'));

const behaviour = z
  .strictObject({
    events: z.array(eventPattern).min(1).optional().meta(d('Which events this applies to (default: all).')),
    delay: duration.optional().meta(d('Send the first attempt this much later (virtual time).')),
    duplicate: z.number().int().min(0).max(20).optional().meta(d('Extra copies of each notification (same webhook-id).')),
    reorder: z.boolean().optional().meta(d("Deliver the step's notifications in reverse order, one second apart.")),
    drop: z.boolean().optional().meta(d('Never deliver: the app must query the PSP.')),
    fail_first: z.number().int().min(0).max(50).optional().meta(d('The first n attempts fail at the PSP side, then retries follow the schedule.')),
    signature: z.enum(NOTIFICATION_PROBES).optional().meta(d('Also send one copy with a bad signature (tampered), an old timestamp (stale) or the genuine body signed with another key or secret (forged); the app must reject it.')),
  })
  .meta(d('Callback chaos for the notifications of the events raised.'));

const hint = z.string().optional().meta(d('Shown when the check fails: what the app should do instead.'));

const responseExpectation = z.strictObject({
  status: z.number().int().min(100).max(599).optional().meta(d('HTTP status of the step\'s response.')),
  error: z.string().optional().meta(d('The error code the PSP answered with, e.g. refund_exceeds_captured.')),
  json: z.unknown().optional().meta(d('Fields the JSON body must contain (a partial match).')),
  hint,
});

const objectExpectation = z
  .object({ id: objectId.optional().meta(d('Default: the payment (or refund) of the latest step that had one.')), hint })
  .catchall(z.unknown())
  .meta(d('Fields the object at the PSP must have, e.g. status: succeeded, amount_refunded: 500.'));

const notificationExpectation = z.strictObject({
  event: eventPattern.optional().meta(d('Which notifications (default "*").')),
  payment: objectId.optional().meta(d('Only notifications about this payment.')),
  probe: z.enum(NOTIFICATION_PROBES).optional().meta(d('Check the bad-signature copies instead of the genuine notifications.')),
  count: z.number().int().min(0).optional().meta(d('How many deliveries (copies) match; default: at least one.')),
  status: z.enum(['succeeded', 'pending', 'failed', 'dropped']).optional(),
  acknowledged: z.boolean().optional().meta(d('Every matching delivery was acknowledged by the app (or none was).')),
  rejected: z.boolean().optional().meta(d('For probes: the app answered with a non-2xx status.')),
  attempts: z.number().int().min(0).optional().meta(d('Attempts each matching delivery took.')),
  response_status: z.number().int().min(100).max(599).optional().meta(d("The app's HTTP status on the last attempt.")),
  response_contains: z.string().optional().meta(d("Text the app's last response body contains.")),
  hint,
});

const appExpectation = z
  .strictObject({
    order: z.string().optional().meta(d("An order id: requests the app's order route (setup.app.order).")),
    path: z.string().startsWith('/', { error: 'must start with /' }).optional().meta(d('Or any path of the app.')),
    method: httpMethod.optional(),
    status: z.number().int().min(100).max(599).optional().meta(d('HTTP status of the answer (default: any 2xx).')),
    json: z.unknown().optional().meta(d('Fields the JSON answer must contain (a partial match).')),
    unchanged: z.boolean().optional().meta(d("The answer is the same as just before this step's action (idempotency).")),
    hint,
  })
  .refine((v) => (v.order === undefined) !== (v.path === undefined), { error: 'needs exactly one of order or path' });

const requestExpectation = z.strictObject({
  method: httpMethod.optional(),
  path: z.string().startsWith('/', { error: 'must start with /' }).meta(d('Path the app requested; * matches any characters.')),
  query: z.record(z.string(), z.string()).optional().meta(d('Query parameters the request had.')),
  count: z.number().int().min(0).optional(),
  min: z.number().int().min(0).optional().meta(d('Default 1 unless count or max is given.')),
  max: z.number().int().min(0).optional(),
  hint,
});

const expectation = z
  .strictObject({
    response: responseExpectation.optional(),
    payment: objectExpectation.optional(),
    refund: objectExpectation.optional(),
    notifications: z.array(notificationExpectation).optional(),
    notification_order: z.array(eventType).min(1).optional().meta(d('Event types in the order the app first received them.')),
    app: z.union([appExpectation, z.array(appExpectation)]).optional(),
    app_requests: z.array(requestExpectation).optional().meta(d('Requests the app made to the sandbox during the scenario.')),
  })
  .meta(d('Checks made after the step (and its notifications) settled.'));

export const STEP_ACTIONS = ['create_payment', 'capture', 'cancel', 'refund', 'buyer', 'advance', 'redeliver', 'checkout', 'request', 'fault'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

const step = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z_][\w-]*$/, { error: 'must be a name of letters, digits, _ and - (e.g. pay)' }).optional().meta(d('Name to refer to this step\'s result: ${id.field}.')),
    name: z.string().optional(),
    create_payment: createPayment.optional(),
    capture: z.strictObject({ payment: objectId, amount: amount.optional() }).optional(),
    cancel: z.strictObject({ payment: objectId, reason: z.string().optional() }).optional(),
    refund: z
      .strictObject({ payment: objectId, amount: amount.optional(), reason: z.enum(['requested_by_customer', 'duplicate', 'fraudulent', 'other']).optional() })
      .optional(),
    buyer: z
      .strictObject({ payment: objectId, action: z.enum(['complete', 'fail', 'abandon']), failure_code: z.string().optional() })
      .optional()
      .meta(d('The simulated buyer completes, fails or abandons (until expiry) a payment waiting for them.')),
    advance: z
      .union([z.literal('until_idle'), duration], { error: 'must be a duration such as 30m, or until_idle' })
      .optional()
      .meta(d('Move the virtual clock; until_idle runs until no notification is pending.')),
    redeliver: z
      .strictObject({ events: z.array(eventPattern).min(1).optional(), payment: objectId.optional(), copies: z.number().int().min(1).max(10).optional() })
      .optional()
      .meta(d('Send events of this scenario again (same webhook-id), as a PSP does.')),
    checkout: checkout.optional(),
    request: request.optional(),
    fault: faultRuleBody
      .optional()
      .meta(d("Make the PSP's own API fail for the app's matching requests (500, 503, 429, delay, hang, reset), e.g. { method: POST, path: /v1/payments, fault: \"503\", times: 1 }.")),
    notifications: behaviour.optional(),
    expect: expectation.optional(),
  })
  .superRefine((s, ctx) => {
    const actions = STEP_ACTIONS.filter((a) => s[a] !== undefined);
    if (actions.length > 1) ctx.addIssue({ code: 'custom', message: `a step does one thing; this one has ${actions.join(' and ')}` });
    if (actions.length === 0 && s.expect === undefined) {
      ctx.addIssue({ code: 'custom', message: `a step needs an action (${STEP_ACTIONS.join(', ')}) or expect` });
    }
    if (actions.length === 0 && s.notifications !== undefined) ctx.addIssue({ code: 'custom', message: 'notifications needs a step with an action' });
  });

const route = z
  .string()
  .regex(/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/, { error: 'must be a method and a path, e.g. "POST /checkout"' });

const setup = z.strictObject({
  provider: z
    .enum(SCENARIO_PROVIDERS as [string, ...string[]], { error: `must be one of ${SCENARIO_PROVIDERS.join(', ')}` })
    .optional()
    .meta(d("The PSP whose wire protocol the app speaks (default paycli, the native API). See docs/scenarios.md, Provider scenarios.")),
  start_time: z.iso.datetime({ error: 'must be an ISO date-time such as 2026-01-01T00:00:00Z' }).optional().meta(d('Virtual time at the start (default 2026-01-01T00:00:00Z).')),
  app: z
    .strictObject({
      base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional().meta(d('Default http://127.0.0.1:3000; --app-url overrides it.')),
      notify_url: z.string().optional().meta(d('Where notifications go: a path on the app (default /webhooks) or a full URL.')),
      checkout: route.optional().meta(d('Default "POST /checkout".')),
      order: route.optional().meta(d('Default "GET /orders/{order_id}".')),
      settle: duration.optional().meta(d('How long the app must be quiet before checks run (real time, default 10ms).')),
    })
    .optional(),
  merchant: z
    .strictObject({
      fees: z.strictObject({ percent_bps: z.number().int().min(0).max(10_000), fixed: z.number().int().min(0) }).optional(),
      risk_max_amount: z.number().int().min(1).nullable().optional().meta(d('Payments above this amount are blocked by risk control.')),
      retry_schedule: z.array(duration).max(50).optional().meta(d('Waits between attempts after a failure.')),
      timeout: duration.optional().meta(d('How long one notification attempt may take (real time, default 10s).')),
      acknowledge: z
        .strictObject({
          status: z.union([z.literal('2xx'), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
          body: z.string().optional().meta(d('The body the app must answer, e.g. success (Alipay).')),
        })
        .optional()
        .meta(d('What counts as an acknowledgement (default: any 2xx).')),
    })
    .optional(),
});

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(SCENARIO_VERSION, { error: `must be ${SCENARIO_VERSION} (the only version so far)` }),
    name: z.string().min(1).max(200),
    description: z.string().optional(),
    tags: z.array(z.string()).optional(),
    setup: setup.optional(),
    notifications: behaviour.optional().meta(d('Callback chaos for every notification of the scenario (a step\'s own settings come first).')),
    steps: z.array(step).min(1, { error: 'needs at least one step' }),
  })
  .meta({ title: 'paycli scenario', description: 'A payment scenario replayed by `paycli scenario run` against your app and a local mock PSP.' });

export type Scenario = z.output<typeof scenarioSchema>;
export type Step = Scenario['steps'][number];
export type Behaviour = NonNullable<Step['notifications']>;
export type Expectation = NonNullable<Step['expect']>;
export type NotificationExpectation = NonNullable<Expectation['notifications']>[number];
export type AppExpectation = z.output<typeof appExpectation>;
export type RequestExpectation = z.output<typeof requestExpectation>;
export type Setup = NonNullable<Scenario['setup']>;
