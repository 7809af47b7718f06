/**
 * Test helpers for the scenario runner: an in-process scenario environment on port 0 with one of the test
 * merchant apps pointed at it, and a way to run scenario files against them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarios, type LoadedScenario } from '../../src/scenarios/loader.js';
import type { RunEvent, RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import type { MerchantAppConfig, RunningApp } from '../fixtures/app-server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LIBRARY = path.join(ROOT, 'scenarios');

export interface Bench {
  env: SandboxEnvironment;
  app: RunningApp;
  run(scenarios: readonly LoadedScenario[], opts?: { seed?: string; bail?: boolean; filter?: string; onEvent?: (e: RunEvent) => void }): Promise<RunReport>;
  close(): Promise<void>;
}

/** Starts a scenario environment (port 0) and an app configured with its URL and keys. */
export async function startBench(startApp: (config: MerchantAppConfig) => Promise<RunningApp>, seed = 'paycli'): Promise<Bench> {
  const env = await startInProcessEnvironment({ port: 0, seed });
  const app = await startApp({ sandboxUrl: env.url, secretKey: env.secretKey, webhookSecret: env.webhookSecret! });
  return {
    env,
    app,
    run: (scenarios, opts = {}) => runScenarios(scenarios, { environment: env, appUrl: app.url, seed, ...opts }),
    async close() {
      await app.close();
      await env.close();
    },
  };
}

/** Loads scenario files relative to the repository root. */
export function load(...paths: string[]): LoadedScenario[] {
  return loadScenarios(paths, ROOT);
}
