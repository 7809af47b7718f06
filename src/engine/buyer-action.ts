/**
 * What a stored payment asks of its buyer. Data files written before payments recorded `buyer_action`
 * hold the native wire's `next_action` instead; those payments are read as they were meant.
 */
import type { Payment, RequiredBuyerAction } from './types.js';

/** The native wire's `next_action` as earlier versions stored it on the payment. */
type LegacyNextAction = { type: 'redirect_to_url' | 'display_qr_code' } | null | undefined;

export function buyerActionOf(p: Payment): RequiredBuyerAction | null {
  if (p.buyer_action !== undefined) return p.buyer_action;
  const legacy = (p as Payment & { next_action?: LegacyNextAction }).next_action;
  if (!legacy) return null;
  if (legacy.type === 'display_qr_code') return { kind: 'scan_qr' };
  return p.status === 'requires_action' ? { kind: 'authenticate' } : { kind: 'redirect' };
}
