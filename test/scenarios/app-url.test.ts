/** `--app-url` may name the app's base URL or, as people often do, its notification endpoint. */
import { describe, expect, test } from 'vitest';
import type { Scenario } from '../../src/scenarios/schema.js';
import { appConfig } from '../../src/scenarios/runner.js';

const scenario = (app?: Record<string, string>) => ({ version: 1, name: 's', steps: [], ...(app ? { setup: { app } } : {}) }) as unknown as Scenario;

describe('appConfig', () => {
  test.each([
    ['http://localhost:3000', 'http://localhost:3000', 'http://localhost:3000/webhooks'],
    ['http://localhost:3000/', 'http://localhost:3000', 'http://localhost:3000/webhooks'],
    ['http://localhost:3000/webhooks', 'http://localhost:3000', 'http://localhost:3000/webhooks'],
    ['http://localhost:3000/shop', 'http://localhost:3000/shop', 'http://localhost:3000/shop/webhooks'],
    ['http://localhost:3000/shop/webhooks/', 'http://localhost:3000/shop', 'http://localhost:3000/shop/webhooks'],
  ])('--app-url %s → app %s, notifications to %s', (appUrl, base, notify) => {
    const c = appConfig(scenario(), appUrl);
    expect(c.baseUrl).toBe(base);
    expect(c.notifyUrl).toBe(notify);
  });

  test('a scenario with its own notify path is read the same way', () => {
    const c = appConfig(scenario({ notify_url: '/api/psp/notify' }), 'http://localhost:3000/api/psp/notify');
    expect(c).toMatchObject({ baseUrl: 'http://localhost:3000', notifyUrl: 'http://localhost:3000/api/psp/notify' });
  });
});
