/**
 * Mounts the dashboard (`/`, `/_dashboard/…`) on the main port. Its code is loaded on its first request, not
 * when the sandbox starts: a sandbox run by tests and CI, which never opens the dashboard, pays nothing for
 * it, and the start stays as fast as it was. The analytics it keeps begin from the store when first asked for.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { Merchant } from '../engine/types.js';
import type { ProviderBill } from '../providers/contract.js';
import type { ControlContext } from './control-routes.js';

/** Where the dashboard's JSON API lives; it checks the origin of its writes itself (dashboard-api.ts). */
export const DASHBOARD_API = '/_dashboard/api';

/** A provider the sandbox serves, as the dashboard's settings page shows it (the sandbox's ServedProvider). */
export interface DashboardProvider {
  name: string;
  title: string;
  url: string;
  /** The default merchant's credentials for it. */
  credentials: Record<string, unknown>;
  /** Key files written for its SDK: file name → path. */
  files: Record<string, string>;
  /** What the banner shows of it. */
  description: Record<string, unknown>;
}

export interface DashboardContext extends ControlContext {
  bodyLimitBytes: number;
  /** Every provider served, the native one first; known once they listen. */
  providers(): DashboardProvider[];
  /** A served provider's own bill for the default merchant's day, when the provider has bills. */
  providerBill?(name: string): ProviderBillOf | undefined;
}

/** A provider's `bill`, bound to its host. */
export type ProviderBillOf = (merchant: Merchant, date: string) => Promise<ProviderBill>;

export function dashboardRouter(ctx: DashboardContext): RequestHandler {
  let loading: Promise<Router> | null = null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/' && !req.path.startsWith('/_dashboard/')) return next();
    loading ??= import('./dashboard-api.js').then((m) => m.dashboardApi(ctx));
    loading.then((router) => router(req, res, next), next);
  };
}
