/**
 * Mounts the dashboard (`/`, `/_dashboard/…`) on the main port. Its code is loaded on its first request, not
 * when the sandbox starts: a sandbox run by tests and CI, which never opens the dashboard, pays nothing for
 * it, and the start stays as fast as it was. The analytics it keeps begin from the store when first asked for.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { DashboardContext } from './dashboard-context.js';

export type { DashboardContext, DashboardProvider, ProviderBillOf } from './dashboard-context.js';

export function dashboardRouter(ctx: DashboardContext): RequestHandler {
  let loading: Promise<Router> | null = null;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path !== '/' && !req.path.startsWith('/_dashboard/')) return next();
    loading ??= import('./dashboard-api.js').then((m) => m.dashboardApi(ctx));
    loading.then((router) => router(req, res, next), next);
  };
}
