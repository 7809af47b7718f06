/**
 * The Stripe emulation: stripe-node, configured only with host, port and protocol, runs against it
 * unmodified. Served at the root of its own port (12111, stripe-mock's, so its users switch without
 * changing config).
 */
import { newPublishableKey, newSecretKey } from '../../core/ids.js';
import type { Provider } from '../contract.js';
import { stripeHost, type StripeCredentials } from './host-adapter.js';
import { recordDomainEvent, registerBaseUrl, stripeNotifications } from './notifications.js';
import { stripeRouter } from './router.js';
import { setupIntentBuyer } from './setup-intent-buyer.js';
import { fromPaycliError } from './stripe-errors.js';
import { COLLECTIONS, intentIdOf } from './stripe-state.js';
import { newRequestId } from './request-pipeline.js';

export type { StripeCredentials };

export const stripeProvider: Provider<StripeCredentials> = {
  name: 'stripe',
  title: 'Stripe',
  defaultPort: 12111,
  collections: Object.values(COLLECTIONS),
  async mint({ random }) {
    return { secret_key: newSecretKey(random), publishable_key: newPublishableKey(random), webhook_secret: `whsec_${newSecretKey(random).slice('sk_test_'.length)}` };
  },
  describe: (creds, { url }) => ({ url, secret_key: creds.secret_key, publishable_key: creds.publishable_key, webhook_secret: creds.webhook_secret }),
  refsOf(payment) {
    const piId = intentIdOf(payment);
    return piId ? [piId] : [];
  },
  buyer: setupIntentBuyer,
  app(host) {
    registerBaseUrl(host.core.reader, () => host.url());
    host.core.onEvent((event) => recordDomainEvent(host, event));
    return stripeRouter(stripeHost(host), { bodyLimitBytes: host.bodyLimitBytes });
  },
  renderError(err) {
    const se = fromPaycliError(err);
    return { status: se.status, headers: { 'request-id': newRequestId() }, body: { error: se.body } };
  },
  // Stripe's own shape for an outage or a rate limit: stripe-node picks the class from the status (429 →
  // StripeRateLimitError, 5xx → StripeAPIError) and retries on `Stripe-Should-Retry: true`, after Retry-After.
  renderFault(err) {
    const headers = { 'Request-Id': newRequestId(), 'Stripe-Should-Retry': 'true' };
    if (err.code === 'rate_limited') {
      const body = { type: 'invalid_request_error', code: 'rate_limit', doc_url: 'https://stripe.com/docs/error-codes/rate-limit', message: err.message };
      return { status: 429, headers, body: { error: body } };
    }
    return { status: err.status, headers, body: { error: { type: 'api_error', message: err.message } } };
  },
  notifications: stripeNotifications,
};
