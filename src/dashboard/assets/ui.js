// Small helpers shared by the dashboard's views: building DOM without HTML strings (text is never parsed
// as markup), calling the dashboard API, formatting, and the toast.
import { currentLang, t } from './i18n.js';

export const API = '/_dashboard/api';

/** h('a', { href, class: 'x', onclick }, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the dashboard API; state changes send JSON (which a cross-site form cannot). */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined || method !== 'GET') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  const res = await fetch(API + path, init);
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** Fraction digits of a currency (JPY 0, USD 2, KWD 3). */
export function digitsOf(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units → "$19.99" / "US$19.99" in the page's language. */
export function money(minor, currency) {
  const digits = digitsOf(currency);
  try {
    return new Intl.NumberFormat(currentLang(), { style: 'currency', currency, minimumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

export function toMajor(minor, currency) {
  return (minor / 10 ** digitsOf(currency)).toFixed(digitsOf(currency));
}

export function toMinor(major, currency) {
  return Math.round(Number(major) * 10 ** digitsOf(currency));
}

export function dateTime(ms) {
  return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(ms));
}

export function shortTime(ms) {
  return new Intl.DateTimeFormat(currentLang(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(ms));
}

export function percent(r) {
  return r === null || r === undefined ? '—' : new Intl.NumberFormat(currentLang(), { style: 'percent', maximumFractionDigits: 1 }).format(r);
}

export function count(n) {
  return new Intl.NumberFormat(currentLang()).format(n);
}

export function statusBadge(status) {
  return h('span', { class: `badge ${status}`, dataset: { status } }, t(`status.${status}`));
}

export function methodName(m) {
  const key = `method.${m}`;
  const text = t(key);
  return text === key ? m : text;
}

let toastTimer = null;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 4000);
}

/** Runs a state-changing action: disables the button meanwhile, reports the outcome. */
export async function act(button, what, run) {
  button.disabled = true;
  try {
    await run();
    toast(t('action.done', { what }));
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    button.disabled = false;
  }
}

/** Copies text, telling the developer it worked. */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast(t('settings.copied'));
  } catch (err) {
    toast(err.message, 'error');
  }
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
