/**
 * Payments by merchant order number: per (provider, merchant), where the number is unique unless a
 * provider makes several attempts for one order, and across everything, for the simulated buyer's `{ref}`.
 * Each key maps to the latest payment with that number.
 */
import type { Payment } from '../engine/types.js';

export class OrderIndex {
  private readonly scoped = new Map<string, string>();
  private readonly any = new Map<string, string>();

  clear(): void {
    this.scoped.clear();
    this.any.clear();
  }

  add(p: Payment): void {
    // Payments stored before payments recorded their provider are native ones.
    this.scoped.set(key(p.provider ?? 'paycli', p.merchant_id, p.merchant_order_id), p.id);
    this.any.set(p.merchant_order_id, p.id);
  }

  /** The latest payment id with this number for this provider and merchant. */
  get(provider: string, merchantId: string, orderId: string): string | undefined {
    return this.scoped.get(key(provider, merchantId, orderId));
  }

  /** The latest payment id with this number, whoever made it. */
  anyWith(orderId: string): string | undefined {
    return this.any.get(orderId);
  }
}

function key(provider: string, merchantId: string, orderId: string): string {
  return `${provider}\u0000${merchantId}\u0000${orderId}`;
}
