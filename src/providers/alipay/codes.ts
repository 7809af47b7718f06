/**
 * Alipay's result codes. On the v2 gateway every answer is HTTP 200 with `code`/`msg` (and `sub_code`/
 * `sub_msg` on failure) inside `<method>_response`; on v3 a failure is an HTTP 4xx with `{code, message,
 * links}` where `code` is the same `sub_code`. A failure travels as a PaycliError whose details carry the
 * Alipay code, so the provider has one error path.
 */
import { PaycliError, type ErrorCode } from '../../errors.js';

export type GatewayCode = '10000' | '10003' | '20000' | '20001' | '40001' | '40002' | '40004' | '40006';

export const GATEWAY_MSG: Record<GatewayCode, string> = {
  '10000': 'Success',
  '10003': 'Waiting for buyer to pay',
  '20000': 'Service Currently Unavailable',
  '20001': 'Insufficient Token Permissions',
  '40001': 'Missing Required Arguments',
  '40002': 'Invalid Arguments',
  '40004': 'Business Failed',
  '40006': 'Insufficient Permissions',
};

export interface AlipayFailure {
  code: GatewayCode;
  sub_code: string;
  sub_msg: string;
  /** HTTP status of the v3 answer. */
  status: number;
}

/** The sub_codes paycli answers with; the HTTP status is the v3 one. */
const SUB_CODES: Record<string, { code: GatewayCode; status: number; paycli: ErrorCode }> = {
  // Gateway (public) errors.
  'isv.missing-method': { code: '40001', status: 400, paycli: 'parameter_missing' },
  'isv.missing-signature': { code: '40001', status: 401, paycli: 'authentication_required' },
  'isv.missing-app-id': { code: '40001', status: 401, paycli: 'authentication_required' },
  'isv.missing-signature-type': { code: '40001', status: 400, paycli: 'parameter_missing' },
  'isv.missing-timestamp': { code: '40001', status: 400, paycli: 'parameter_missing' },
  'isv.missing-version': { code: '40001', status: 400, paycli: 'parameter_missing' },
  'isv.invalid-parameter': { code: '40002', status: 400, paycli: 'parameter_invalid' },
  'isv.invalid-timestamp': { code: '40002', status: 400, paycli: 'parameter_invalid' },
  'isv.invalid-method': { code: '40002', status: 404, paycli: 'route_not_found' },
  'isv.invalid-app-id': { code: '40002', status: 401, paycli: 'invalid_api_key' },
  'isv.invalid-signature': { code: '40002', status: 401, paycli: 'invalid_api_key' },
  'isv.invalid-signature-type': { code: '40002', status: 400, paycli: 'parameter_invalid' },
  'isv.invalid-charset': { code: '40002', status: 400, paycli: 'parameter_invalid' },
  'isv.invalid-app-cert-sn': { code: '40002', status: 401, paycli: 'invalid_api_key' },
  'isv.invalid-alipay-root-cert-sn': { code: '40002', status: 401, paycli: 'invalid_api_key' },
  'isv.invalid-biz-content': { code: '40002', status: 400, paycli: 'invalid_json' },
  // Business errors.
  'ACQ.INVALID_PARAMETER': { code: '40004', status: 400, paycli: 'parameter_invalid' },
  'ACQ.TRADE_NOT_EXIST': { code: '40004', status: 400, paycli: 'resource_missing' },
  'ACQ.TRADE_HAS_SUCCESS': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.TRADE_HAS_CLOSE': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.TRADE_STATUS_ERROR': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.TRADE_HAS_FINISHED': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.CONTEXT_INCONSISTENT': { code: '40004', status: 400, paycli: 'duplicate_merchant_order_id' },
  'ACQ.DISCORDANT_REPEAT_REQUEST': { code: '40004', status: 400, paycli: 'idempotency_key_reused' },
  'ACQ.TOTAL_FEE_EXCEED': { code: '40004', status: 400, paycli: 'parameter_invalid' },
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': { code: '40004', status: 400, paycli: 'refund_exceeds_captured' },
  'ACQ.SELLER_BALANCE_NOT_ENOUGH': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.PAYMENT_AUTH_CODE_INVALID': { code: '40004', status: 400, paycli: 'parameter_invalid' },
  'ACQ.BUYER_BALANCE_NOT_ENOUGH': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.ERROR_BALANCE_PAYMENT_DISABLE': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.PAYMENT_FAIL': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.PAYMENT_REQUEST_HAS_RISK': { code: '40004', status: 400, paycli: 'invalid_state' },
  'ACQ.REASON_TRADE_REFUND_FEE_ERR': { code: '40004', status: 400, paycli: 'parameter_invalid' },
  'ACQ.SYSTEM_ERROR': { code: '20000', status: 500, paycli: 'internal_error' },
  'ACQ.INVALID_BILL_DATE': { code: '40004', status: 400, paycli: 'parameter_invalid' },
  'isp.bill_not_exist': { code: '40004', status: 400, paycli: 'resource_missing' },
};

export type SubCode = keyof typeof SUB_CODES;

/**
 * Why a buyer's payment can fail at the cashier, as Alipay reports it (its sub_code), keyed by the domain
 * `failure_code` the control API takes (`POST /_sandbox/buyer/{trade_no}/fail {"failure_code": …}`), so
 * both ways of failing a trade leave the same payment behind. The first is the default.
 */
export const CASHIER_FAILURES = {
  insufficient_funds: 'ACQ.BUYER_BALANCE_NOT_ENOUGH',
  card_velocity_exceeded: 'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR',
  fraudulent: 'ACQ.PAYMENT_REQUEST_HAS_RISK',
  card_declined: 'ACQ.PAYMENT_FAIL',
} as const satisfies Record<string, SubCode>;
export type CashierFailure = keyof typeof CASHIER_FAILURES;

export function isCashierFailure(code: string): code is CashierFailure {
  return Object.hasOwn(CASHIER_FAILURES, code);
}

/** A failure Alipay would answer with; `param` names the request field at fault, when there is one. */
export function alipayError(subCode: SubCode, subMsg: string, param?: string): PaycliError {
  const def = SUB_CODES[subCode]!;
  return new PaycliError(def.paycli, subMsg, {
    ...(param === undefined ? {} : { param }),
    details: { alipay_sub_code: subCode },
  });
}

/**
 * The HTTP status Alipay's v3 API gives a failure with this sub_code (the v2 gateway answers 200 and puts
 * the failure in the body); unknown sub_codes by their gateway code.
 */
export function v3StatusOf(subCode: string, code: string): number {
  const def = SUB_CODES[subCode];
  if (def) return def.status;
  return code === '20000' ? 500 : 400;
}

/** What the v2/v3 answer carries for any PaycliError (Alipay's own, the domain's, or a bug). */
export function toAlipayFailure(err: PaycliError): AlipayFailure {
  const subCode = err.details?.alipay_sub_code;
  if (typeof subCode === 'string' && SUB_CODES[subCode]) {
    const def = SUB_CODES[subCode];
    return { code: def.code, sub_code: subCode, sub_msg: err.message, status: def.status };
  }
  const mapped = DOMAIN_TO_SUB_CODE[err.code];
  if (mapped) return { code: SUB_CODES[mapped]!.code, sub_code: mapped, sub_msg: err.message, status: SUB_CODES[mapped]!.status };
  // The sandbox's own refusals (a cross-origin page, a simulated fault) keep their code and status.
  if (err.status < 500) return { code: '40002', sub_code: err.code, sub_msg: err.message, status: err.status };
  if (!err.isBug) return { code: '20000', sub_code: err.code, sub_msg: err.message, status: err.status };
  return { code: '20000', sub_code: 'ACQ.SYSTEM_ERROR', sub_msg: '系统错误 (system error)', status: 500 };
}

/** Domain errors met through Alipay calls, as the closest Alipay sub_code. */
const DOMAIN_TO_SUB_CODE: Partial<Record<ErrorCode, SubCode>> = {
  parameter_invalid: 'ACQ.INVALID_PARAMETER',
  parameter_missing: 'ACQ.INVALID_PARAMETER',
  invalid_json: 'isv.invalid-biz-content',
  resource_missing: 'ACQ.TRADE_NOT_EXIST',
  invalid_state: 'ACQ.TRADE_STATUS_ERROR',
  refund_exceeds_captured: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
  duplicate_merchant_order_id: 'ACQ.CONTEXT_INCONSISTENT',
  idempotency_key_reused: 'ACQ.CONTEXT_INCONSISTENT',
  payload_too_large: 'ACQ.INVALID_PARAMETER',
  unsupported_media_type: 'ACQ.INVALID_PARAMETER',
  authentication_required: 'isv.missing-signature',
  invalid_api_key: 'isv.invalid-signature',
  route_not_found: 'isv.invalid-method',
  method_not_allowed: 'isv.invalid-method',
  data_file_unwritable: 'ACQ.SYSTEM_ERROR',
};

/**
 * An injected API fault as Alipay answers an outage: `20000 Service Currently Unavailable` with
 * `ACQ.SYSTEM_ERROR`; the status (used by v3 only: the v2 gateway answers 200) is the fault's.
 */
export function faultFailure(err: PaycliError): AlipayFailure {
  return { code: '20000', sub_code: 'ACQ.SYSTEM_ERROR', sub_msg: err.message, status: err.status };
}

/** The v2 `<method>_response` content of a failure. */
export function v2FailureContent(f: AlipayFailure): Record<string, string> {
  return { code: f.code, msg: GATEWAY_MSG[f.code], sub_code: f.sub_code, sub_msg: f.sub_msg };
}

/** The v3 error body; v3 auth errors use kebab-case codes without the `isv.` prefix. */
export function v3FailureBody(f: AlipayFailure, traceId: string): { code: string; message: string; links: { link: string; desc: string }[] } {
  const code = f.sub_code.startsWith('isv.') ? f.sub_code.slice(4) : f.sub_code;
  return {
    code,
    message: f.sub_msg,
    links: [{ link: `https://open.alipay.com/api/errCheck?traceId=${traceId}`, desc: '解决方案' }],
  };
}
