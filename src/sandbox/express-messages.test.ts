import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { expressMessageClasses } from './express-messages.js';

describe('expressMessageClasses', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('builds requests and responses that already have the app’s prototypes, and are still Node’s', async () => {
    const app = express();
    const seen: unknown[] = [];
    app.use((req, res, next) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
      seen.push(req instanceof IncomingMessage, res instanceof ServerResponse, req.app === app);
      next();
    });
    app.post('/echo', express.json(), (req, res) => {
      res.status(201).set('x-seen', req.get('content-type')).json({ got: req.body, query: req.query });
    });
    const server = createServer({ ...expressMessageClasses(app) }, app);
    servers.push(server);
    // Before express has seen them: born with the app's prototypes.
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    const res = await fetch(`http://127.0.0.1:${port}/echo?a=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 5 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-seen')).toBe('application/json');
    expect(await res.json()).toEqual({ got: { amount: 5 }, query: { a: '1' } });
    expect(seen).toEqual([true, true, true, true, true, true, true]);
  });

  it('leaves a request that reaches the app another way to express', async () => {
    const app = express();
    app.get('/', (req, res) => {
      res.json({ own: Object.getPrototypeOf(req) === app.request });
    });
    const server = createServer(app);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await res.json()).toEqual({ own: true });
  });
});
