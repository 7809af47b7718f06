/**
 * No answer reveals state that a crash could still lose. A handler mutates in memory, commits, then
 * answers, so a successful write's answer is durable by construction; but reads (and errors such as a
 * 404 or a 409 naming an object) are computed from memory, which already shows changes other requests
 * are still writing. This middleware holds such an answer until everything staged before it was computed
 * is durable: `store.commit()` called with nothing of its own staged is that barrier, and costs nothing
 * when no write is under way. If that write fails, the state the answer was computed from was rolled
 * back, so the answer becomes the retryable `503 data_file_unwritable` instead.
 *
 * Applied to every app that serves the store (one per provider port): `app.use(durableAnswers(store, provider.renderError))`.
 * A held answer is replaced in the provider's shape: `render` (signed by `sign`), or the whole answer
 * `renderFor` gives for the request (Alipay's v2 gateway answers its 20000 with HTTP 200).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PaycliError, toPaycliError } from '../errors.js';
import { HOLD_ANSWER } from '../http/answer-hold.js';
import type { Store } from '../store/store.js';

/** Headers describing the body that a replaced answer must not keep. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-disposition', 'location', 'etag', 'last-modified'];

/** How the provider at this port shapes an error (status, headers, body). */
type RenderError = (err: PaycliError) => { status: number; headers?: Record<string, string>; body: unknown };
/** Headers signing an answer's exact body, for a provider whose SDKs verify every answer. */
export type SignAnswer = (req: Request, status: number, body: string) => Promise<Record<string, string>>;
/**
 * The whole answer to this request, for a provider whose error answers depend on it beyond headers
 * (`Provider.renderHostAnswer`); null: `render`, signed by `sign`.
 */
export type RenderAnswer = (req: Request, err: PaycliError) => Promise<{ status: number; headers?: Record<string, string>; body: unknown }> | null;

export function durableAnswers(store: Store, render: RenderError, sign?: SignAnswer, renderFor?: RenderAnswer): RequestHandler {
  // Counts the store's rollbacks: an answer computed before one and sent after it may show what was undone.
  let rollbacks = 0;
  store.onRollback?.(() => rollbacks++);
  return (req: Request, res: Response, next: NextFunction) => {
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    const rollbacksAtStart = rollbacks;
    const end = res.end;
    // The barrier is taken when end() is called. Most bodies are computed in that same tick (express's
    // send ends synchronously); one signed on the thread pool first (WeChat Pay) was computed earlier, and
    // a write that failed in between has already been rolled back by the time the barrier is taken: the
    // rollback count since the request arrived catches that case too. A streamed answer (headers already
    // sent by write()) is not held: it is a subscription, not a snapshot.
    res.end = function (this: Response, ...args: unknown[]) {
      const held = isRead || res.statusCode >= 400 || res.locals[HOLD_ANSWER] === true;
      if (res.headersSent || !held) return (end as (...a: unknown[]) => Response).apply(this, args);
      // Made only for a held answer: replaces it by the retryable failure (a 503, or the provider's own answer for
      // the request), as what it was computed from may be gone.
      const answerUnwritable = async (err: unknown): Promise<void> => {
        const error = toPaycliError(err);
        // Unsigned rather than unanswered if signing fails: the caller still learns the status.
        const own = (await renderFor?.(req, error)?.catch(() => null)) ?? null;
        const rendered = own ?? render(error);
        const body = typeof rendered.body === 'string' ? rendered.body : JSON.stringify(rendered.body);
        const signature: Record<string, string> = !own && sign ? await sign(req, rendered.status, body).catch(() => ({})) : {};
        for (const name of BODY_HEADERS) res.removeHeader(name);
        res.locals.errorCode = error.code;
        res.statusCode = rendered.status;
        // The default type first: a provider's own answer names its own.
        res.setHeader('Content-Type', typeof rendered.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8');
        for (const [name, value] of Object.entries({ ...rendered.headers, ...signature })) res.setHeader(name, value);
        res.setHeader('Content-Length', Buffer.byteLength(body));
        (end as (...a: unknown[]) => Response).call(res, req.method === 'HEAD' ? undefined : body);
      };
      store
        .commit()
        .then(
          async () => {
            if (rollbacks === rollbacksAtStart) {
              (end as (...a: unknown[]) => Response).apply(res, args);
              return;
            }
            await answerUnwritable(
              new PaycliError('data_file_unwritable', 'A change this answer would show could not be saved to the sandbox data file.', {
                hint: 'Free disk space or fix the folder permissions, then retry.',
              }),
            );
          },
          answerUnwritable,
        )
        // Nothing is left to answer with: the connection is cut rather than left hanging.
        .catch(() => res.destroy());
      return res;
    } as Response['end'];
    next();
  };
}
