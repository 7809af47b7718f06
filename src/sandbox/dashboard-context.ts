/**
 * What the dashboard's mount (dashboard-routes.ts, loaded with the sandbox) and its routes (dashboard-api.ts,
 * loaded on the first request) share: where its API lives and what the sandbox hands it.
 */
import type { Merchant } from '../engine/types.js';
import type { ProviderBill } from '../providers/contract.js';
import type { DashboardProvider } from '../dashboard/credentials.js';
import type { ControlContext } from './control-routes.js';

export type { DashboardProvider };

/** Where the dashboard's JSON API lives; it checks the origin of its writes itself (dashboard-api.ts). */
export const DASHBOARD_API = '/_dashboard/api';

export interface DashboardContext extends ControlContext {
  bodyLimitBytes: number;
  /** Every provider served, the native one first; known once they listen. */
  providers(): DashboardProvider[];
  /** A served provider's own bill for the default merchant's day, when the provider has bills. */
  providerBill?(name: string): ProviderBillOf | undefined;
}

/** A provider's `bill`, bound to its host. */
export type ProviderBillOf = (merchant: Merchant, date: string) => Promise<ProviderBill>;
