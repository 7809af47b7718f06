import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { inOrder } from './app.js';

describe('inOrder', () => {
  const servers: import('node:http').Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** An app with `handlers` as one layer, then a route that lists what ran, and an error handler. */
  async function serve(handlers: RequestHandler[]): Promise<string> {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.ran = [];
      next();
    });
    app.use(inOrder(handlers));
    app.get('/', (_req, res) => {
      res.json({ ran: res.locals.ran });
    });
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status(418).json({ ran: res.locals.ran, error: (err as Error).message });
    };
    app.use(onError);
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }
  const mark =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      (res.locals.ran as string[]).push(name);
      next();
    };
  const get = async (url: string) => {
    const r = await fetch(url);
    return { status: r.status, body: (await r.json()) as { ran: string[]; error?: string } };
  };

  it('runs the handlers in order, then the next layer (also after a falsy next argument)', async () => {
    const nextNull: RequestHandler = (_req, res, next) => {
      (res.locals.ran as string[]).push('null');
      next(null);
    };
    const url = await serve([mark('a'), nextNull, mark('b')]);
    expect(await get(url)).toEqual({ status: 200, body: { ran: ['a', 'null', 'b'] } });
  });

  it('hands an error, a throw or a rejection to the error handler and runs nothing after it', async () => {
    const fails: RequestHandler = (_req, _res, next) => next(new Error('refused'));
    const throws: RequestHandler = () => {
      throw new Error('thrown');
    };
    const rejects: RequestHandler = async () => {
      throw new Error('rejected');
    };
    for (const [handler, message] of [
      [fails, 'refused'],
      [throws, 'thrown'],
      [rejects, 'rejected'],
    ] as const) {
      const url = await serve([mark('a'), handler, mark('b')]);
      expect(await get(url)).toEqual({ status: 418, body: { ran: ['a'], error: message } });
    }
  });
});
