/**
 * The hold on answers that could show state not yet durable, with a store whose rollbacks the test
 * makes: an answer computed before a write failed and sent after the rollback (a body signed on the
 * thread pool in between, as WeChat Pay's) is the retryable 503, never the state that was undone.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { durableAnswers } from './durable-answers.js';

function fakeStore() {
  const listeners = new Set<() => void>();
  const store = {
    commit: () => Promise.resolve(),
    onRollback(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Store;
  return { store, rollBack: () => listeners.forEach((l) => l()) };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const servers: Array<{ close: () => void }> = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** An app whose GET computes its body, says so, waits for `proceed`, then answers (as a signature on the pool does). */
async function serve(store: Store) {
  const computed = gate();
  const proceed = gate();
  const app = express();
  app.use(durableAnswers(store, (err) => ({ status: err.status, body: { error: { code: err.code } } })));
  app.get('/thing', async (_req, res) => {
    const body = { thing: 'as memory shows it now' };
    computed.open();
    await proceed.opened;
    res.json(body);
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`;
  return { url, computed: computed.opened, proceed: proceed.open };
}

describe('durableAnswers', () => {
  it('answers as computed when nothing was rolled back meanwhile', async () => {
    const { store } = fakeStore();
    const s = await serve(store);
    const answer = fetch(s.url);
    await s.computed;
    s.proceed();
    const res = await answer;
    expect([res.status, await res.json()]).toEqual([200, { thing: 'as memory shows it now' }]);
  });

  it('answers 503 data_file_unwritable when a write failed between computing the answer and sending it', async () => {
    const { store, rollBack } = fakeStore();
    const s = await serve(store);
    const answer = fetch(s.url);
    await s.computed;
    rollBack(); // a write the body may show failed, and memory was rolled back
    s.proceed();
    const res = await answer;
    expect([res.status, await res.json()]).toEqual([503, { error: { code: 'data_file_unwritable' } }]);
  });
});
