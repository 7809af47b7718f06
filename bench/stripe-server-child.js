/**
 * The sandbox serving the native API and the Stripe provider, for bench/stripe.js:
 *
 *   node bench/stripe-server-child.js <data file>
 *
 * Reports { type: 'ready', port, key, stripe_port, stripe_key } over IPC; exits when the parent disconnects.
 */
const [dataFile] = process.argv.slice(2);
process.on('disconnect', () => process.exit(0));
try {
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const sandbox = await startSandbox({ port: 0, dataFile, providers: ['paycli', 'stripe'] });
  // As `paycli sandbox start` runs it: its helper threads (file writes) below the event loop.
  const { lowerHelperThreadPriority } = await import('../dist/helper-threads.js');
  await lowerHelperThreadPriority();
  const stripe = sandbox.providers.stripe;
  process.send?.({ type: 'ready', port: sandbox.port, key: sandbox.merchant.secret_key, stripe_port: stripe.port, stripe_key: stripe.credentials.secret_key });
} catch (err) {
  process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
