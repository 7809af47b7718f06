/**
 * The native API's wire shapes of the domain objects. The domain records what the native API has never
 * shown (which provider a payment came through, when a pending refund settles); the native responses and
 * notifications stay exactly as they were, so those fields are left out here, keeping the key order.
 */
import type { Page } from '../../core/pagination.js';
import type { Payment, PaycliEvent, Refund } from '../../engine/types.js';

export type NativePayment = Omit<Payment, 'provider'>;
export type NativeRefund = Omit<Refund, 'settles_at'>;
export type NativeEvent = Omit<PaycliEvent, 'data'> & { data: { object: NativePayment | NativeRefund } };

export function toNativePayment(p: Payment): NativePayment {
  const { provider: _provider, ...rest } = p;
  return rest;
}

export function toNativeRefund(r: Refund): NativeRefund {
  if (r.settles_at === undefined) return r;
  const { settles_at: _settles, ...rest } = r;
  return rest;
}

export function toNativeObject(o: Payment | Refund): NativePayment | NativeRefund {
  return o.object === 'payment' ? toNativePayment(o) : toNativeRefund(o);
}

export function toNativeEvent(e: PaycliEvent): NativeEvent {
  return { ...e, data: { object: toNativeObject(e.data.object) } };
}

/** A list page with its items in native shape. */
export function nativePage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { ...page, data: page.data.map(map) };
}
