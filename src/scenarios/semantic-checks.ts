/**
 * Checks of a scenario that the schema cannot express, made when the file is validated rather than when a
 * step fails later: card numbers that fail the Luhn check, misspelled payment or refund statuses,
 * `notifications:` on a step whose action cannot raise the events it names, and `${step.field}` references
 * to a field the named step's result does not have.
 */
import { luhnValid } from '../engine/cards.js';
import type { EventType, PaymentStatus, RefundStatus } from '../engine/types.js';
import type { NativePayment, NativeRefund } from '../providers/paycli/serialize.js';
import { EVENT_TYPES } from '../engine/types.js';
import { eventMatches } from '../engine/events.js';
import { closest } from '../suggest.js';
import { findRefs } from './refs.js';
import { NATIVE_PROVIDER, notificationTypesOf, unsupportedProbe } from './scenario-drivers.js';
import { STEP_ACTIONS, type Scenario, type Step, type StepAction } from './schema.js';
import type { NotificationProbe } from '../webhooks/notification-protocol.js';

type DocPath = (string | number)[];
export type Report = (path: DocPath, message: string) => void;

const PAYMENT_STATUSES = ['requires_action', 'pending', 'requires_capture', 'succeeded', 'failed', 'canceled'] as const satisfies readonly PaymentStatus[];
const REFUND_STATUSES = ['succeeded', 'failed'] as const satisfies readonly RefundStatus[];

// Every field of the objects the native API returns; the `Exclude` checks below keep the lists complete.
const PAYMENT_FIELDS = [
  'id', 'object', 'merchant_id', 'merchant_order_id', 'amount', 'currency', 'status', 'capture_method', 'amount_captured', 'amount_refunded', 'fee',
  'payment_method', 'description', 'notify_url', 'return_url', 'metadata', 'failure_code', 'failure_message', 'next_action', 'cancellation_reason',
  'expires_at', 'created', 'captured_at', 'canceled_at', 'livemode',
] as const satisfies readonly (keyof NativePayment)[];
const REFUND_FIELDS = ['id', 'object', 'merchant_id', 'payment_id', 'merchant_order_id', 'amount', 'currency', 'status', 'reason', 'failure_reason', 'metadata', 'created'] as const satisfies readonly (keyof NativeRefund)[];
type Complete<T, L extends readonly unknown[]> = Exclude<keyof T, L[number]> extends never ? true : Exclude<keyof T, L[number]>;
const _paymentFieldsComplete: Complete<NativePayment, typeof PAYMENT_FIELDS> = true;
const _refundFieldsComplete: Complete<NativeRefund, typeof REFUND_FIELDS> = true;
void _paymentFieldsComplete;
void _refundFieldsComplete;

/** The fields of each action's result, for `${step.field}`; null when the app decides (checkout, request). */
const RESULT_FIELDS: Record<StepAction, readonly string[] | null> = {
  create_payment: [...PAYMENT_FIELDS, 'error'],
  capture: [...PAYMENT_FIELDS, 'error'],
  cancel: [...PAYMENT_FIELDS, 'error'],
  buyer: [...PAYMENT_FIELDS, 'error'],
  refund: [...REFUND_FIELDS, 'error'],
  redeliver: ['events'],
  fault: ['id', 'object', 'provider', 'method', 'path', 'fault', 'retry_after_s', 'delay_ms', 'times', 'percent', 'seed', 'applied', 'error'],
  advance: [],
  checkout: null,
  request: null,
};

/** Events each action can raise (so its `notifications:` can apply to them); advance can expire payments. */
const RAISES: Record<StepAction, readonly EventType[]> = {
  create_payment: EVENT_TYPES.filter((t) => t.startsWith('payment.')),
  checkout: EVENT_TYPES.filter((t) => t.startsWith('payment.')),
  capture: ['payment.captured', 'payment.succeeded'],
  cancel: ['payment.canceled'],
  refund: ['refund.succeeded', 'refund.failed'],
  buyer: ['payment.succeeded', 'payment.failed', 'payment.canceled', 'payment.requires_capture', 'payment.captured'],
  advance: [...EVENT_TYPES],
  // The app may do anything when called.
  request: [...EVENT_TYPES],
  // A redelivery sends stored events again; callback chaos applies only to new notifications.
  redeliver: [],
  // Arming an API fault raises nothing.
  fault: [],
};

/** Why `notifications:` does nothing on an action that raises no event. */
const NOTHING_RAISED: Partial<Record<StepAction, string>> = {
  redeliver: 'redeliver sends stored events again, and callback chaos applies only to new notifications',
  fault: 'arming an API fault raises no event; put notifications: on the step that makes the payment',
};

const isRef = (v: string) => /^\$\{[^}]+\}$/.test(v.trim());

/** Runs every check; `report` receives each problem with its place in the document. */
export function checkSemantics(scenario: Scenario, report: Report): void {
  const provider = scenario.setup?.provider ?? NATIVE_PROVIDER;
  // Statuses, result fields and raised events below are the native API's; another provider's objects
  // and notifications have their own (its driver answers for them).
  const native = provider === NATIVE_PROVIDER;
  const actions = new Map<string, StepAction>();
  checkProviderTypes(scenario, provider, report);
  scenario.steps.forEach((step, i) => {
    const action = STEP_ACTIONS.find((a) => step[a] !== undefined);
    checkCards(step, i, report);
    if (native) checkStatuses(step, i, report);
    if (action && native) checkNotifications(step, action, i, report);
    if (native) checkRefFields(step, i, actions, action, report);
    if (step.id !== undefined && action) actions.set(step.id, action);
  });
}

/** Event types and probes name what the scenario's provider sends. */
function checkProviderTypes(scenario: Scenario, provider: string, report: Report): void {
  const types = notificationTypesOf(provider);
  const type = (t: string, path: DocPath) => {
    if (t === '*' || types.includes(t) || (t.endsWith('.*') && types.some((k) => k.startsWith(t.slice(0, -1))))) return;
    // Beyond spelling, the same outcome under another protocol's name: payment.succeeded → payment_intent.succeeded.
    const guess = closest(t, types) ?? types.find((k) => k.split('.').pop() === t.split('.').pop()) ?? null;
    report(path, `"${t}" is not an event type ${provider} sends${guess ? `: did you mean "${guess}"?` : ` (${types.slice(0, 6).join(', ')}, …)`}`);
  };
  const probe = (p: NotificationProbe | undefined, path: DocPath) => {
    const why = p ? unsupportedProbe(provider, p) : null;
    if (why) report(path, `a ${p} probe means nothing for ${provider}: ${why}`);
  };
  scenario.notifications?.events?.forEach((t, j) => type(t, ['notifications', 'events', j]));
  probe(scenario.notifications?.signature, ['notifications', 'signature']);
  scenario.steps.forEach((step, i) => {
    step.notifications?.events?.forEach((t, j) => type(t, ['steps', i, 'notifications', 'events', j]));
    probe(step.notifications?.signature, ['steps', i, 'notifications', 'signature']);
    step.redeliver?.events?.forEach((t, j) => type(t, ['steps', i, 'redeliver', 'events', j]));
    step.expect?.notifications?.forEach((n, j) => {
      if (n.event !== undefined) type(n.event, ['steps', i, 'expect', 'notifications', j, 'event']);
      probe(n.probe, ['steps', i, 'expect', 'notifications', j, 'probe']);
    });
    step.expect?.notification_order?.forEach((t, j) => type(t, ['steps', i, 'expect', 'notification_order', j]));
  });
}

function checkCards(step: Step, i: number, report: Report): void {
  for (const action of ['create_payment', 'checkout'] as const) {
    const card = step[action]?.card;
    if (card === undefined) continue;
    const number = typeof card === 'string' ? card : card.number;
    const path: DocPath = ['steps', i, action, 'card', ...(typeof card === 'string' ? [] : ['number'])];
    if (isRef(number)) continue;
    const digits = number.replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(digits)) report(path, 'must be a card number of 12 to 19 digits, e.g. "4242424242424242"');
    else if (!luhnValid(digits)) report(path, `${number} fails the Luhn check, so the PSP refuses it as invalid_card_number: use a test card from the README (e.g. "4242424242424242")`);
  }
}

function checkStatuses(step: Step, i: number, report: Report): void {
  const check = (kind: 'payment' | 'refund', allowed: readonly string[]) => {
    const status = step.expect?.[kind]?.status;
    if (status === undefined || (typeof status === 'string' && isRef(status))) return;
    if (typeof status === 'string' && allowed.includes(status)) return;
    const guess = typeof status === 'string' ? closest(status, allowed) : null;
    report(['steps', i, 'expect', kind, 'status'], `${JSON.stringify(status)} is not a ${kind} status (${allowed.join(', ')})${guess ? `: did you mean "${guess}"?` : ''}`);
  };
  check('payment', PAYMENT_STATUSES);
  check('refund', REFUND_STATUSES);
}

function checkNotifications(step: Step, action: StepAction, i: number, report: Report): void {
  if (step.notifications === undefined) return;
  const raised = RAISES[action];
  const path: DocPath = ['steps', i, 'notifications'];
  if (raised.length === 0) {
    report(path, `does nothing on a ${action} step: ${NOTHING_RAISED[action] ?? 'it raises no event'}`);
    return;
  }
  const filter = step.notifications.events ?? ['*'];
  if (!raised.some((t) => eventMatches(filter, t))) {
    report([...path, 'events'], `does nothing on a ${action} step, which raises only ${raised.join(', ')}`);
  }
}

function checkRefFields(step: Step, i: number, actions: ReadonlyMap<string, StepAction>, ownAction: StepAction | undefined, report: Report): void {
  for (const [key, value] of Object.entries(step)) {
    for (const ref of findRefs(value, ['steps', i, key])) {
      if (ref.error) continue;
      const [root, field] = ref.expression.split('.');
      const action = root === step.id && key === 'expect' ? ownAction : actions.get(root!);
      const fields = action ? RESULT_FIELDS[action] : null;
      if (!action || fields === null) continue;
      if (field === undefined) continue;
      if (fields.length === 0) {
        report(ref.path, `\${${ref.expression}}: ${/^[aeiou]/.test(action) ? 'an' : 'a'} ${action} step has no result to refer to`);
      } else if (!fields.includes(field)) {
        const guess = closest(field, fields);
        report(ref.path, `\${${ref.expression}}: the result of step "${root}" (${action}) has no field "${field}"${guess ? `: did you mean "${guess}"?` : ''}`);
      }
    }
  }
}
