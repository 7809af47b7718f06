/**
 * Request and response classes for `http.createServer` whose objects are born with an express app's own
 * prototypes (`app.request`, `app.response`).
 *
 * Why: express gives every request its prototypes on arrival (`Object.setPrototypeOf(req, app.request)`,
 * the same for `res`). Changing a live object's prototype moves it to a new hidden class, and Node's HTTP
 * internals then meet objects of shapes their inline caches have not seen: measured under load on a bare
 * express app, ~70 µs of CPU per request, more than express's router, body parsing and a node:http
 * answer together. On an object that already has the prototype the call changes nothing, so the app
 * behaves as before (a request that reaches it some other way still gets its prototypes from express).
 */
import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Express } from 'express';

type MessageClasses = Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'>;

/** Node's constructors are plain functions (Node 20 to 24), which a subclass can call on `this`. */
function callable(ctor: unknown): ctor is (this: unknown, ...args: unknown[]) => void {
  return typeof ctor === 'function' && !Function.prototype.toString.call(ctor).startsWith('class');
}

export function expressMessageClasses(app: Express): MessageClasses {
  // Were they ever classes, they could only be built through `Reflect.construct` with another
  // `new.target`, which V8 runs several times slower than the prototype change it would save: keep
  // Node's own then.
  if (!callable(IncomingMessage) || !callable(ServerResponse)) return {};
  const request = IncomingMessage;
  const response = ServerResponse;
  function AppRequest(this: unknown, ...args: unknown[]): void {
    request.apply(this, args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: unknown, ...args: unknown[]): void {
    response.apply(this, args);
  }
  AppResponse.prototype = app.response;
  return {
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  };
}
