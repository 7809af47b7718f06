/**
 * `listen` forwards each notification in its payment's provider protocol, signed with that provider's
 * credentials: here the test-only minimal provider (form body, HMAC header) beside native ones.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { Forwarder } from '../../src/listen/forwarder.js';
import { loadProviders } from '../../src/providers/registry.js';
import { SandboxClient } from '../../src/sandbox/client.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { paymentBody, startReceiver, waitFor, type Receiver } from '../helpers/sandbox.js';
import { minimalProvider, type MinimalCredentials } from './minimal/index.js';

const registry = { ...(await loadProviders()), minimal: minimalProvider };
let sandbox: Sandbox | null = null;
let forwarder: Forwarder | null = null;
let app: Receiver | null = null;
afterEach(async () => {
  await forwarder?.stop();
  await sandbox?.close();
  await app?.close();
  forwarder = sandbox = app = null;
});

describe('listen through the registry', () => {
  it('forwards a provider\'s notifications in its own protocol, and native ones as before', async () => {
    sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['minimal'], registry });
    // 200 without the body `OK`: an acknowledgement for the native rule (any 2xx), not for the minimal one.
    app = await startReceiver(() => ({ status: 200, body: 'thanks' }));
    const s = sandbox;
    const updates: { event_type: string; acknowledged: boolean }[] = [];
    forwarder = new Forwarder({ client: () => new SandboxClient(s.url, s.merchant.secret_key), forwardTo: app.url, events: null, providers: registry });
    const ready = await forwarder.start((u) => {
      if (u.type === 'delivery') updates.push({ event_type: u.event_type, acknowledged: u.acknowledged });
    });
    expect(ready.webhook_secret).toBe(s.merchant.webhook_secret);

    const creds = s.providers.minimal!.credentials as MinimalCredentials;
    const res = await fetch(`${s.providers.minimal!.url}/orders`, {
      method: 'POST',
      headers: { 'x-api-key': creds.api_key, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ order_no: 'L-1', amount: '300', currency: 'cny', payment_code: '284712345678901234' }).toString(),
    });
    expect(res.status).toBe(201);
    await waitFor(() => app!.requests.length === 1);
    const form = app.requests[0]!;
    expect(form.headers['x-minimal-signature']).toBe(createHmac('sha256', creds.notify_secret).update(form.body).digest('hex'));
    expect(Object.fromEntries(new URLSearchParams(form.body))).toMatchObject({ type: 'ORDER_PAID', order_no: 'L-1', amount: '300' });

    // A native payment: Standard Webhooks with the merchant's webhook secret (created, succeeded).
    await fetch(`${s.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify(paymentBody()),
    });
    await waitFor(() => app!.requests.length === 3);
    for (const req of app.requests.slice(1)) new Webhook(s.merchant.webhook_secret).verify(req.body, req.headers as Record<string, string>);
    await waitFor(() => updates.length === 3);
    expect([...updates].sort((a, b) => a.event_type.localeCompare(b.event_type))).toEqual([
      { event_type: 'ORDER_PAID', acknowledged: false },
      { event_type: 'payment.created', acknowledged: true },
      { event_type: 'payment.succeeded', acknowledged: true },
    ]);
  });
});
