/**
 * Bench child for the dashboard (run by bench/dashboard.js in a fresh process each time, so module loading
 * is measured cold). Prints one JSON line.
 *
 *   node bench/dashboard-child.js start          what the dashboard adds to the sandbox's start
 *   node bench/dashboard-child.js scale <n>      dashboard requests against a sandbox holding n payments
 */
import http from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPayment } from './core-payments.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;
const [mode, arg] = process.argv.slice(2);

async function start() {
  // Everything the sandbox loads anyway, shared with the dashboard: loaded first, not counted.
  const shared = [
    'express',
    'zod',
    dist('errors.js'),
    dist('clock.js'),
    dist('engine/settlement.js'),
    dist('engine/payments.js'),
    dist('providers/paycli/schemas.js'),
    dist('providers/paycli/auth.js'),
    dist('core/pagination.js'),
    dist('core/payment-relations.js'),
    dist('core/payment-service.js'),
    dist('http/idempotent-post.js'),
    dist('http/body-parsing.js'),
    dist('sandbox/stream-routes.js'),
    dist('webhooks/dispatcher.js'),
  ];
  for (const m of shared) await import(m);
  // Counted: the buyer pages' modules (the page, its texts, the QR code module; qrcode itself loads on the
  // first QR code) and mounting the dashboard, whose own code loads on its first request (first_load_ms).
  // CPU time as well as wall time: on a busy machine the wall time mostly measures the other processes.
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await import(dist('sandbox/buyer-page.js'));
  await import(dist('dashboard/buyer-qr.js'));
  const { dashboardRouter } = await import(dist('sandbox/dashboard-routes.js'));
  dashboardRouter({});
  const cpu = process.cpuUsage(cpu0);
  const dashboardMs = performance.now() - t0;
  const dashboardCpuMs = (cpu.user + cpu.system) / 1000;

  // The whole start, for scale: import and listen.
  const t1 = performance.now();
  const { startSandbox } = await import(dist('sandbox/sandbox.js'));
  const sandbox = await startSandbox({ inMemory: true, port: 0 });
  const startMs = performance.now() - t1 + dashboardMs;
  // The files are read on first request, not at start: what that first page load costs.
  const t2 = performance.now();
  for (const p of ['/', '/_dashboard/assets/app.js', '/_dashboard/assets/views.js', '/_dashboard/assets/views-more.js', '/_dashboard/assets/ui.js', '/_dashboard/assets/i18n.js', '/_dashboard/assets/app.css', '/_dashboard/assets/chart.umd.min.js']) {
    const res = await fetch(sandbox.url + p);
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    await res.arrayBuffer();
  }
  const firstLoadMs = performance.now() - t2;
  await sandbox.close();
  return { dashboard_ms: dashboardMs, dashboard_cpu_ms: dashboardCpuMs, start_ms: startMs, first_load_ms: firstLoadMs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(url, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function scale(n) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const notify = `http://127.0.0.1:${server.address().port}/webhooks`;
  const { startSandbox } = await import(dist('sandbox/sandbox.js'));
  const sandbox = await startSandbox({ inMemory: true, port: 0 });
  const m = sandbox.service.defaultMerchant;
  const cardPm = (number) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2034 } });
  const methods = [cardPm('4242424242424242'), cardPm('4242424242424242'), cardPm('4000000000000002'), cardPm('4000002760003184'), { type: 'wallet', wallet: 'alipay' }];
  let withDeliveries = null;
  let middle = null;
  for (let i = 0; i < n; i++) {
    const p = await createPayment(sandbox, m, {
      amount: 1000 + (i % 5000),
      currency: i % 4 === 0 ? 'EUR' : 'USD',
      merchant_order_id: `order_${i}`,
      payment_method: methods[i % methods.length],
      capture_method: 'automatic',
      description: null,
      notify_url: i >= n - 500 ? notify : null,
      return_url: null,
      metadata: {},
    });
    if (i === n - 5) withDeliveries = p.id;
    if (i === Math.floor(n / 2)) middle = p.id;
  }
  while (sandbox.store.live('deliveries').some((d) => d.status === 'pending')) await new Promise((r) => setTimeout(r, 50));
  const api = `${sandbox.url}/_dashboard/api`;
  const out = {
    payments: n,
    deliveries: sandbox.store.count('deliveries'),
    list_ms: await timed(`${api}/payments?limit=25`, 20),
    list_deep_ms: await timed(`${api}/payments?limit=25&starting_after=${middle}`, 5),
    filter_scan_ms: await timed(`${api}/payments?limit=25&order=no-such-order`, 10),
    detail_ms: await timed(`${api}/payments/${withDeliveries}`, 20),
  };
  const t = performance.now();
  await (await fetch(`${api}/stats`)).arrayBuffer();
  out.stats_first_ms = performance.now() - t;
  out.stats_ms = await timed(`${api}/stats`, 20);
  await createPayment(sandbox, m, { ...{ amount: 1, currency: 'USD', merchant_order_id: 'one_more', payment_method: methods[0], capture_method: 'automatic', description: null, notify_url: null, return_url: null, metadata: {} } });
  out.stats_after_change_ms = await timed(`${api}/stats`, 5);
  await sandbox.close();
  server.close();
  return out;
}

const result = mode === 'start' ? await start() : await scale(Number(arg));
process.stdout.write(`${JSON.stringify(result)}\n`);
