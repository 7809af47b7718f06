/**
 * The processes the bench measures, one per fork so each gets its own core and its own RSS:
 *
 *   node bench/server-child.js http                 a bare node:http JSON endpoint (baseline)
 *   node bench/server-child.js express              a bare express 5 JSON endpoint (baseline)
 *   node bench/server-child.js sandbox <data file>  the real sandbox (startSandbox, file store)
 *   node bench/server-child.js seed <data file> <n> creates n payments through the service, then exits
 *   node bench/server-child.js deliveries <data file> <receiver url> <payments>
 *   node bench/server-child.js app <module> <sandbox url> <secret key> <webhook secret>   a merchant app
 *
 * Each reports to the parent over the fork IPC channel: { type: 'ready', port, key } or { type: 'result', ... }.
 * Every server listens on 127.0.0.1 only and exits when the parent disconnects.
 */
import http from 'node:http';
import { once } from 'node:events';
import { createPayment } from './core-payments.js';

const [mode, ...args] = process.argv.slice(2);
const send = (msg) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));

/** The create-payment body every measurement sends (a unique order id per request). */
function paymentInput(orderId, notifyUrl = null) {
  return {
    amount: 2000,
    currency: 'USD',
    merchant_order_id: orderId,
    payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } },
    capture_method: 'automatic',
    description: null,
    notify_url: notifyUrl,
    return_url: null,
    metadata: {},
  };
}

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

/** What the baselines answer: a small object shaped like a payment, so serialisation costs are alike. */
const reply = (body) => ({ id: 'pay_0000', object: 'payment', amount: body?.amount ?? 0, currency: body?.currency ?? 'usd', status: 'succeeded' });

async function bareHttp() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // a malformed body still gets an answer; the bench never sends one
      }
      const out = JSON.stringify(reply(body));
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  send({ type: 'ready', port: await listen(server) });
}

async function bareExpress() {
  const { default: express } = await import('express');
  const app = express();
  app.use(express.json());
  app.post('/v1/payments', (req, res) => {
    res.status(201).json(reply(req.body));
  });
  send({ type: 'ready', port: await listen(http.createServer(app)) });
}

async function sandboxServer(dataFile) {
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const sandbox = await startSandbox({ port: 0, dataFile });
  // As `paycli sandbox start` runs it: its helper threads (file writes, V8's) below the event loop.
  const { lowerHelperThreadPriority } = await import('../dist/helper-threads.js');
  await lowerHelperThreadPriority();
  send({ type: 'ready', port: sandbox.port, key: sandbox.merchant.secret_key, payments: sandbox.store.count('payments') });
}

/** Opens a file store that never compacts while seeding (one snapshot is written at close instead). */
async function seedStore(dataFile) {
  const { FileStore } = await import('../dist/store/file-store.js');
  return new FileStore(dataFile, { compactAfterLines: Number.POSITIVE_INFINITY, compactAfterBytes: Number.POSITIVE_INFINITY });
}

async function seed(dataFile, n) {
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const started = performance.now();
  const sandbox = await startSandbox({ port: 0, store: await seedStore(dataFile) });
  const merchant = sandbox.service.defaultMerchant;
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + batch); j++) jobs.push(createPayment(sandbox, merchant, paymentInput(`seed_${j}`)));
    await Promise.all(jobs);
  }
  await sandbox.close(); // folds the journal into the snapshot
  send({ type: 'result', seconds: (performance.now() - started) / 1000 });
}

/** Sends `count` bare POSTs to the receiver, 128 at a time on keep-alive sockets: the delivery ceiling. */
async function barePosts(url, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const body = JSON.stringify({ id: 'evt_0', type: 'payment.succeeded', data: { object: reply(null) } });
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.end(body);
    });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next++ < count) await post();
  };
  await Promise.all(Array.from({ length: 128 }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return count / seconds;
}

async function deliveries(dataFile, receiverUrl, payments) {
  const baselinePerSec = await barePosts(receiverUrl, payments * 2);
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const sandbox = await startSandbox({ port: 0, dataFile });
  const merchant = sandbox.service.defaultMerchant;
  let acknowledged = 0;
  let failedAttempts = 0;
  let expected = Number.POSITIVE_INFINITY;
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  sandbox.dispatcher.on((u) => {
    if (u.type !== 'attempt') return;
    if (u.attempt.acknowledged) acknowledged++;
    else failedAttempts++;
    if (acknowledged >= expected) allDone();
  });
  const started = performance.now();
  const jobs = [];
  for (let i = 0; i < payments; i++) jobs.push(createPayment(sandbox, merchant, paymentInput(`dlv_${i}`, receiverUrl)));
  await Promise.all(jobs);
  expected = sandbox.store.count('deliveries');
  if (acknowledged >= expected) allDone();
  const timeout = setTimeout(allDone, 60_000);
  await done;
  clearTimeout(timeout);
  const seconds = (performance.now() - started) / 1000;
  await sandbox.close();
  send({ type: 'result', deliveries: acknowledged, expected, failed_attempts: failedAttempts, seconds, per_sec: acknowledged / seconds, baseline_per_sec: baselinePerSec });
}

/** The reference merchant app (transpiled by scenario-timing.js) for `paycli scenario run`. */
async function merchantApp(module, sandboxUrl, secretKey, webhookSecret) {
  const { startReferenceApp } = await import(module);
  const app = await startReferenceApp({ sandboxUrl, secretKey, webhookSecret });
  send({ type: 'ready', url: app.url });
}

const modes = {
  http: () => bareHttp(),
  express: () => bareExpress(),
  sandbox: () => sandboxServer(args[0]),
  seed: () => seed(args[0], Number(args[1])),
  deliveries: () => deliveries(args[0], args[1], Number(args[2])),
  app: () => merchantApp(args[0], args[1], args[2], args[3]),
};
if (!modes[mode]) {
  console.error(`unknown mode ${mode}; one of ${Object.keys(modes).join(', ')}`);
  process.exit(2);
}
modes[mode]().catch((err) => {
  send({ type: 'error', message: err?.stack ?? String(err) });
  process.exitCode = 1;
  process.disconnect?.();
});
