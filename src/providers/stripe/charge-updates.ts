/**
 * `POST /v1/charges/:id`: a charge is a view of a confirmation attempt, so what the merchant changes on it
 * (its description, metadata and receipt email) is kept beside it, in the provider's own collection
 * (`ChargeUpdateDoc`), and read over the attempt's values by `chargeObject`. A change says
 * `charge.updated` (Stripe: "whenever a charge description or metadata is updated") with what the changed
 * fields were before.
 */
import type { FormObject } from './form-params.js';
import { chargeById, chargedPayment } from './lookup.js';
import { ACCEPTED, checkAccepted, metadata, nullableStr } from './params.js';
import { resourceMissing } from './stripe-errors.js';
import { emit } from './stripe-events.js';
import { COLLECTIONS, type ChargeUpdateDoc, type Metadata } from './stripe-state.js';
import type { OpContext } from './wire-objects.js';

const FIELDS = ['description', 'metadata', 'receipt_email'] as const;

/**
 * Updates a charge and returns it as rendered after. Parameters Stripe accepts but the sandbox does not
 * keep (`shipping`, `fraud_details`, `customer`, `transfer_group`) are ignored, as everywhere else.
 */
export function updateCharge(ctx: OpContext, id: string, params: FormObject): Record<string, unknown> {
  const payment = chargedPayment(ctx, id);
  if (!payment) throw resourceMissing('charge', id);
  checkAccepted(params, ACCEPTED.chargeUpdate);
  const current = chargeById(ctx, id);
  const description = nullableStr(params, 'description');
  const receiptEmail = nullableStr(params, 'receipt_email');
  const meta = metadata(params, current.metadata as Metadata);
  const after: Record<(typeof FIELDS)[number], unknown> = {
    description: description === undefined ? current.description : description,
    metadata: meta ?? current.metadata,
    receipt_email: receiptEmail === undefined ? current.receipt_email : receiptEmail,
  };
  const previous: Record<string, unknown> = {};
  for (const k of FIELDS) if (JSON.stringify(after[k]) !== JSON.stringify(current[k])) previous[k] = current[k];
  if (Object.keys(previous).length === 0) return current;
  const before = ctx.unit.get<ChargeUpdateDoc>(COLLECTIONS.chargeUpdates, id);
  ctx.unit.put<ChargeUpdateDoc>(COLLECTIONS.chargeUpdates, {
    ...(before ?? { id, merchant_id: payment.merchant_id }),
    ...(description !== undefined ? { description } : {}),
    ...(receiptEmail !== undefined ? { receipt_email: receiptEmail } : {}),
    ...(meta !== undefined ? { metadata: meta } : {}),
  });
  const updated = chargeById(ctx, id);
  emit(ctx, { type: 'charge.updated', object: updated, previous_attributes: previous });
  return updated;
}
