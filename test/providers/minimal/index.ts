/**
 * A minimal test-only provider: the smallest complete wire protocol, proving that a provider is a folder
 * and one registry line. It is deliberately unlike the native API: form-encoded requests, an `x-api-key`
 * header, text errors, its own collection (`minimal_orders`), notifications only on outcomes, HMAC-signed
 * form bodies acknowledged by the exact body `OK`, and a key file for its "SDK".
 */
import { createHmac } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import type { Merchant, Payment } from '../../../src/engine/types.js';
import { IdempotencyCache, type IdempotencyTicket } from '../../../src/core/idempotency.js';
import { PaycliError } from '../../../src/errors.js';
import type { Provider, ProviderHost, ProviderNotification } from '../../../src/providers/contract.js';

export interface MinimalCredentials extends Record<string, unknown> {
  api_key: string;
  notify_secret: string;
}

export interface MinimalOrder {
  id: string;
  merchant_id: string;
  order_no: string;
  payment_id: string;
}

const hex = (bytes: Buffer) => bytes.toString('hex');

/** Requires the form fields, naming the first one missing. */
function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string' || v === '') throw new PaycliError('parameter_missing', `Missing field: ${name}`, { param: name });
  return v;
}

function merchantOf(res: Response): Merchant {
  return res.locals.merchant as Merchant;
}

function orderView(order: MinimalOrder, p: Payment) {
  return { order: order.id, order_no: order.order_no, status: p.status.toUpperCase(), amount: p.amount, refunded: p.amount_refunded, failure: p.failure_code };
}

function app(host: ProviderHost<MinimalCredentials>) {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: host.bodyLimitBytes }));
  router.use((req, res, next) => {
    const key = req.get('x-api-key');
    const merchant = key ? host.merchantWhere((c) => c.api_key === key) : undefined;
    if (!merchant) return next(new PaycliError('invalid_api_key', 'Bad x-api-key.'));
    res.locals.merchant = merchant;
    next();
  });

  router.post('/orders', async (req, res) => {
    const merchant = merchantOf(res);
    const amount = Number(field(req, 'amount'));
    if (!Number.isInteger(amount) || amount < 1) throw new PaycliError('parameter_invalid', 'amount must be a positive integer', { param: 'amount' });
    const code = (req.body as Record<string, string>).payment_code;
    const input = {
      amount,
      currency: field(req, 'currency').toUpperCase(),
      merchant_order_id: field(req, 'order_no'),
      payment_method: { type: 'wallet' as const, wallet: 'alipay' as const, ...(code ? { payment_code: code } : {}) },
      capture_method: 'automatic' as const,
      description: null,
      notify_url: (req.body as Record<string, string>).notify_url ?? null,
      return_url: null,
      metadata: {},
    };
    // One unit of work: the domain payment, this provider's order document, its ref and (with an
    // Idempotency-Key) the stored answer, made durable together.
    const exec = (ticket: IdempotencyTicket | null) =>
      host.transact((uow) => {
        const payment = uow.createPayment(merchant, input);
        const order: MinimalOrder = { id: uow.newId('mo'), merchant_id: merchant.id, order_no: payment.merchant_order_id, payment_id: payment.id };
        uow.put('minimal_orders', order);
        uow.addRef(order.id, payment.id);
        return { status: 201, body: orderView(order, payment) };
      }, ticket);
    const key = req.get('idempotency-key');
    const { response } = key
      ? await host.idempotency.run(`minimal:${merchant.id}`, key, IdempotencyCache.fingerprint('POST', req.originalUrl, req.body), exec)
      : { response: await exec(null) };
    res.status(response.status).json(response.body);
  });

  router.get('/orders/:id', (req, res) => {
    const order = host.core.reader.get<MinimalOrder>('minimal_orders', req.params.id!);
    if (!order || order.merchant_id !== merchantOf(res).id) throw new PaycliError('resource_missing', `No order ${req.params.id}`, { param: 'id' });
    res.json(orderView(order, host.core.findPayment(order.payment_id)));
  });

  router.post('/orders/:id/refund', async (req, res) => {
    const merchant = merchantOf(res);
    const order = host.core.reader.get<MinimalOrder>('minimal_orders', String(req.params.id));
    if (!order || order.merchant_id !== merchant.id) throw new PaycliError('resource_missing', `No order ${req.params.id}`, { param: 'id' });
    const { later, amount } = req.body as Record<string, string | undefined>;
    const refund = await host.transact((uow) =>
      uow.createRefund(merchant, order.payment_id, { reason: null, metadata: {}, ...(amount ? { amount: Number(amount) } : {}), ...(later ? { pendingForMs: Number(later) } : {}) }),
    );
    res.status(201).json({ refund: refund.id, status: refund.status.toUpperCase() });
  });
  return router;
}

const TYPES: Record<string, string> = { 'payment.succeeded': 'ORDER_PAID', 'payment.failed': 'ORDER_FAILED', 'refund.succeeded': 'REFUND_DONE' };

export const minimalProvider: Provider<MinimalCredentials> = {
  name: 'minimal',
  title: 'Minimal test PSP',
  defaultPort: 4299,
  collections: ['minimal_orders'],
  mint: async ({ random }) => ({ api_key: `mk_${hex(random.bytes(12))}`, notify_secret: hex(random.bytes(16)) }),
  files: (creds) => ({ 'notify-secret.txt': creds.notify_secret }),
  describe: (creds, { url, files }) => ({ url, api_key: creds.api_key, notify_secret_file: files['notify-secret.txt'] }),
  app,
  renderError: (err) => ({ status: err.status, headers: { 'x-minimal-error': err.code }, body: `ERR ${err.code}: ${err.message}` }),
  notifications: {
    for(event, { payment, refund }): ProviderNotification[] {
      const type = TYPES[event.type];
      if (!type) return [];
      return [{ id: `mn_${event.id}`, type, payload: { type, order_no: payment.merchant_order_id, amount: String(refund?.amount ?? payment.amount) } }];
    },
    targets: (_n, { payment }) => (payment.notify_url ? [{ url: payment.notify_url, kind: 'notify_url' }] : []),
    sign(n, creds, _destination, opts) {
      const body = new URLSearchParams({ ...(n.payload as Record<string, string>), id: n.id, ts: String(opts.timestampSec) }).toString();
      const mac = createHmac('sha256', creds.notify_secret).update(body).digest('hex');
      return { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-minimal-signature': opts.probe === 'tampered' ? mac.replace(/^./, (c) => (c === '0' ? '1' : '0')) : mac }, body };
    },
    isAcknowledged: (status, body) => status === 200 && body.trim() === 'OK',
    retryScheduleMs: [1_000, 5_000],
    timeoutMs: 5_000,
  },
};
