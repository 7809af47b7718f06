/**
 * Notification and endpoint URLs are absolute http(s) URLs with a host and no whitespace or control
 * characters: anything else is a 400 naming the field (before, CR/LF, a leading space and `http:///x`
 * were accepted, and stored as the URL parser rewrote them).
 */
import { describe, expect, it } from 'vitest';
import { closedAfterEach, paymentBody } from '../helpers/sandbox.js';

const env = closedAfterEach();
const BAD = ['http://shop.example/a\r\nX-Injected: 1', ' http://shop.example/n', 'http:///x', 'http://shop.example/\tn'];

describe('URL fields', () => {
  it.each(BAD)('refuses %j as notify_url and return_url, and as an endpoint url', async (url) => {
    const api = await env.sandbox();
    for (const field of ['notify_url', 'return_url']) {
      const res = await api.call('POST', '/v1/payments', paymentBody({ [field]: url }));
      expect(res.status, field).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: field });
    }
    const endpoint = await api.call('POST', '/v1/webhook_endpoints', { url });
    expect(endpoint.status).toBe(400);
    expect(endpoint.body.error).toMatchObject({ code: 'parameter_invalid', param: 'url' });
    expect(api.sandbox.store.count('payments')).toBe(0);
  });

  it('refuses such a URL for an event resend too', async () => {
    const api = await env.sandbox();
    const created = await api.call('POST', '/v1/payments', paymentBody());
    const event = api.sandbox.store.list<{ id: string; data: { object: { id: string } } }>('events').find((e) => e.data.object.id === created.body.id)!;
    const res = await api.call('POST', `/_sandbox/events/${event.id}/resend`, { url: 'http:///x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'url' });
  });

  it('stores a valid URL exactly as sent', async () => {
    const api = await env.sandbox();
    const res = await api.call('POST', '/v1/payments', paymentBody({ notify_url: 'http://127.0.0.1:3000/webhooks?shop=1' }));
    expect(res.status).toBe(201);
    expect(res.body.notify_url).toBe('http://127.0.0.1:3000/webhooks?shop=1');
  });
});
