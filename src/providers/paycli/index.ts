/**
 * The native paycli protocol: a JSON API under /v1 on the main port (beside the control API),
 * `Authorization: Bearer sk_test_…`, Standard Webhooks notifications.
 */
import express from 'express';
import { PaycliError } from '../../errors.js';
import { jsonBodyParsing } from '../../http/body-parsing.js';
import type { Provider } from '../contract.js';
import { renderNativeError } from './errors.js';
import { paycliNotifications, type PaycliCredentials } from './notifications.js';
import { paycliRouter } from './routes.js';

export const paycliProvider: Provider<PaycliCredentials> = {
  name: 'paycli',
  title: 'paycli (native API)',
  defaultPort: 4242,

  // The native keys are the sandbox merchant's own (the control API takes the same secret key), so data
  // files written before providers existed keep working with the keys developers configured.
  mint: async ({ merchant }) => ({ secret_key: merchant.secret_key, publishable_key: merchant.publishable_key, webhook_secret: merchant.webhook_secret }),

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
