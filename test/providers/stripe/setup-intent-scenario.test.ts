/**
 * A scenario's buyer step on a SetupIntent waiting for 3-D Secure: the app (a real local server using
 * stripe-node against the run's Stripe front) saves a card that asks for authentication and answers with
 * the SetupIntent's id; the buyer step completes it by that id, as it completes a PaymentIntent.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../../src/scenarios/loader.js';
import { runScenarios } from '../../../src/scenarios/runner.js';
import { startInProcessEnvironment } from '../../../src/scenarios/scenario-sandbox.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/**
 * An app whose POST /save creates and confirms a SetupIntent with a card that asks for 3-D Secure, and whose
 * GET /setup_intents/:id reads one back from Stripe.
 */
async function savingApp(stripe: () => Stripe): Promise<{ url: string; saved: string[] }> {
  const saved: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      const retrieve = /^\/setup_intents\/(seti_\w+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && retrieve) {
        const si = await stripe().setupIntents.retrieve(retrieve[1]!);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: si.id, status: si.status }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/save') {
        res.writeHead(404).end();
        return;
      }
      const si = await stripe().setupIntents.create({ payment_method: 'pm_card_authenticationRequired', confirm: true });
      saved.push(si.id);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: si.id, status: si.status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, saved };
}

describe("a scenario's buyer step on a SetupIntent", () => {
  it('completes its 3-D Secure by the seti_ id the app answered with', async () => {
    const env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['stripe'], providerPorts: { stripe: 0 } });
    cleanup.push(() => env.close());
    const front = env.providers.stripe!;
    const stripe = () => {
      const url = new URL(front.url);
      return new Stripe(String(front.settings.secret_key), { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    };
    const app = await savingApp(stripe);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-seti-scenario-'));
    writeFileSync(
      path.join(dir, 'save-card.yaml'),
      `version: 1
name: save a card with 3-D Secure
setup: { provider: stripe }
steps:
  - id: save
    request: { method: POST, path: /save, json: {} }
    expect: { response: { status: 200, json: { status: requires_action } } }
  - buyer: { payment: "\${save.id}", action: complete }
    expect: { response: { status: 200, json: { object: setup_intent, status: succeeded } } }
  - request: { path: "/setup_intents/\${save.id}" }
    expect: { response: { status: 200, json: { status: succeeded } } }
`,
    );
    const report = await runScenarios(loadScenarios([dir], dir), { environment: env, appUrl: app.url });
    const scenario = report.scenarios[0]!;
    expect(scenario.failures).toEqual([]);
    expect(scenario.status).toBe('passed');
    expect(app.saved).toHaveLength(1);
    expect(scenario.steps.map((st) => st.status)).toEqual(['passed', 'passed', 'passed']);
  });
});
