/**
 * The native paycli protocol: a JSON API under /v1 on the main port (beside the control API),
 * `Authorization: Bearer sk_test_…`, Standard Webhooks notifications.
 */
import express from 'express';
import type { NativeKeys } from '../../core/credentials.js';
import { newPublishableKey, newSecretKey, newWebhookSecret } from '../../core/ids.js';
import type { Merchant } from '../../engine/types.js';
import { PaycliError } from '../../errors.js';
import { jsonBodyParsing } from '../../http/body-parsing.js';
import type { Provider } from '../contract.js';
import { renderNativeError } from './errors.js';
import { paycliNotifications, type PaycliCredentials } from './notifications.js';
import { paycliRouter } from './routes.js';

/** The native keys a merchant document written by an earlier version holds, if it is one. */
function keysStoredIn(merchant: Merchant): PaycliCredentials | null {
  const stored = merchant as Merchant & Partial<NativeKeys>;
  if (typeof stored.secret_key !== 'string' || typeof stored.publishable_key !== 'string' || typeof stored.webhook_secret !== 'string') return null;
  return { secret_key: stored.secret_key, publishable_key: stored.publishable_key, webhook_secret: stored.webhook_secret };
}

export const paycliProvider: Provider<PaycliCredentials> = {
  name: 'paycli',
  title: 'paycli (native API)',
  defaultPort: 4242,

  // The native keys also open the control API (CredentialStore.merchantIdForSecretKey). A merchant stored
  // before providers existed holds them itself: they stay, so the keys developers configured keep working.
  mint: async ({ merchant, random }) =>
    keysStoredIn(merchant) ?? { secret_key: newSecretKey(random), publishable_key: newPublishableKey(random), webhook_secret: newWebhookSecret(random) },

  describe: (creds, { url }) => ({ url, secret_key: creds.secret_key, publishable_key: creds.publishable_key, webhook_secret: creds.webhook_secret }),

  app(host) {
    const app = express.Router();
    app.use(jsonBodyParsing({ limitBytes: host.bodyLimitBytes }));
    app.use('/v1', paycliRouter(host));
    app.use((req, _res, next) => {
      next(new PaycliError('route_not_found', `Unrecognized request: ${req.method} ${req.path}`, { hint: 'The native API lives under /v1; see the README.' }));
    });
    return app;
  },

  renderError: renderNativeError,

  notifications: paycliNotifications,
};
