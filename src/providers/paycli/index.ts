import type { PaycliError } from '../../errors.js';
import type { Provider } from '../provider.js';
import { paycliNotificationProtocol } from './notifications.js';
import { paycliRouter } from './routes.js';

/** The native paycli protocol: JSON API under /v1, Standard Webhooks notifications. */
export const paycliProvider: Provider = {
  name: 'paycli',
  prefix: '/v1',
  router: paycliRouter,
  notificationProtocol: paycliNotificationProtocol,
  renderError: (err: PaycliError) => ({ status: err.status, body: err.toJSON() }),
};
