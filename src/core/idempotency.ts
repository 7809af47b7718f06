/**
 * Idempotency-Key handling, as PSPs do it: the first request with a key runs; a repeat with the same key
 * and the same request gets the stored response and creates nothing; a repeat with a different request
 * is rejected. Concurrent repeats wait for the first one's commit instead of racing it (and get its error
 * if it fails: a failed write leaves the key free for the retry). Successful responses are
 * stored durably (they survive a restart); errors are not stored, so a corrected retry can succeed.
 *
 * The stored response should land in the same commit as the change it describes: were they committed
 * apart, a crash between the two would leave a payment whose key is unknown, and the client's retry with
 * the same key would create a second one. So `exec` gets a ticket to hand to its unit of work
 * (`PaymentService.transact(provider, fn, ticket)`), which stages the response before its one commit.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import type { Store } from '../store/store.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Hands a response to the Idempotency-Key record; the unit of work calls it before committing. */
export interface IdempotencyTicket {
  stage(response: StoredResponse): void;
}

interface IdempotencyRecord {
  id: string;
  fingerprint: string;
  response: StoredResponse;
  created: number;
}

export const MAX_KEY_LENGTH = 255;

export class IdempotencyCache {
  private readonly inFlight = new Map<string, { fingerprint: string; done: Promise<StoredResponse> }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** A stable digest of what makes two requests "the same". */
  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256').update(`${method} ${path}\n${JSON.stringify(body ?? null)}`).digest('hex');
  }

  /**
   * Runs `exec` once per (scope, key). Returns the response to send and whether it is a replay.
   * `exec` throwing PaycliError is passed through (and not remembered). `exec` should pass the ticket to the
   * unit of work that commits its change; if it does not, the response is stored in a commit of its own.
   */
  async run(
    scope: string,
    key: string,
    fingerprint: string,
    exec: (ticket: IdempotencyTicket) => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new PaycliError('parameter_invalid', `The Idempotency-Key header must be 1 to ${MAX_KEY_LENGTH} characters.`, { param: 'Idempotency-Key' });
    }
    const id = `${scope}:${key}`;
    for (;;) {
      // The original still being committed comes first: its record is staged (visible) before it is
      // durable, and a replay must never answer before the original's write is.
      const running = this.inFlight.get(id);
      if (running) {
        this.assertSame(running.fingerprint, fingerprint, key);
        return { response: await running.done, replayed: true };
      }
      const stored = this.store.get<IdempotencyRecord>('idempotency_keys', id);
      if (!stored) break;
      this.assertSame(stored.fingerprint, fingerprint, key);
      // A record staged by any other path is replayed only once durable; if its write failed it is gone,
      // the key is free, and this request runs as the first.
      await this.store.commit().catch(() => undefined);
      if (this.store.get<IdempotencyRecord>('idempotency_keys', id) === stored) return { response: stored.response, replayed: true };
    }
    const record = (response: StoredResponse): IdempotencyRecord => ({ id, fingerprint, response, created: Math.floor(this.clock.now() / 1000) });
    let staged = false;
    const stage = (response: StoredResponse) => {
      if (response.status >= 300) return;
      this.store.put<IdempotencyRecord>('idempotency_keys', record(response));
      staged = true;
    };
    const done = (async () => {
      const response = await exec({ stage });
      if (response.status < 300 && !staged) {
        this.store.put<IdempotencyRecord>('idempotency_keys', record(response));
        await this.store.commit();
      }
      return response;
    })();
    this.inFlight.set(id, { fingerprint, done });
    try {
      return { response: await done, replayed: false };
    } finally {
      this.inFlight.delete(id);
    }
  }

  private assertSame(expected: string, actual: string, key: string): void {
    if (expected !== actual) {
      throw new PaycliError('idempotency_key_reused', `Idempotency-Key "${key}" was already used with a different request.`, {
        param: 'Idempotency-Key',
        hint: 'Use a new key for a new request; repeat a request only with exactly the same body.',
      });
    }
  }
}
