// The payments list (filtered and paged by the server, live) and one payment's page (timeline, deliveries
// with the exact request and response, and actions).
import { t } from './i18n.js';
import { act, api, count, dateTime, debounce, h, methodName, money, shortTime, statusBadge, toMajor, toMinor } from './ui.js';

const STATUSES = ['requires_action', 'pending', 'requires_capture', 'succeeded', 'failed', 'canceled'];
const METHODS = ['card', 'alipay', 'wechat_pay', 'paypal', 'apple_pay'];
const FILTERS = ['provider', 'status', 'method', 'from', 'to', 'order'];

const dayStart = (date) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);

function select(name, label, options, value, render = (o) => o) {
  return h(
    'label',
    { class: 'field' },
    label,
    h('select', { name }, h('option', { value: '' }, t('filter.any')), options.map((o) => h('option', { value: o, selected: o === value }, render(o)))),
  );
}

async function paymentsView(root, _params, query) {
  const overview = await api('/overview');
  const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? '']));
  const cursors = []; // starting_after of each page before the current one
  let after = '';
  let shown = new Set();
  let unseen = 0;

  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('payments.title') },
    select('provider', t('filter.provider'), overview.providers, filters.provider),
    select('status', t('filter.status'), STATUSES, filters.status, (s) => t(`status.${s}`)),
    select('method', t('filter.method'), METHODS, filters.method, methodName),
    h('label', { class: 'field' }, t('filter.from'), h('input', { type: 'date', name: 'from', value: filters.from })),
    h('label', { class: 'field' }, t('filter.to'), h('input', { type: 'date', name: 'to', value: filters.to })),
    h('label', { class: 'field wide' }, t('filter.order'), h('input', { type: 'search', name: 'order', value: filters.order, autocomplete: 'off' })),
  );
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'cards', id: 'payments-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, t('col.order')),
        h('th', { scope: 'col', class: 'num' }, t('col.amount')),
        h('th', { scope: 'col' }, t('col.status')),
        h('th', { scope: 'col' }, t('col.method')),
        h('th', { scope: 'col' }, t('col.provider')),
        h('th', { scope: 'col' }, t('col.created')),
        h('th', { scope: 'col' }, t('col.id')),
      ),
    ),
    body,
  );
  const newer = h('button', { type: 'button', class: 'small' }, t('newer'));
  const older = h('button', { type: 'button', class: 'small' }, t('older'));
  const banner = h('button', { type: 'button', class: 'small primary', hidden: true }, '');
  const total = h('span', { class: 'muted', id: 'payments-total' }, t('payments.count', { count: count(overview.counts.payments) }));

  root.replaceChildren(
    h('div', { class: 'page-head' }, h('h1', {}, t('payments.title')), h('div', { class: 'row' }, banner, total)),
    h('div', { class: 'panel' }, form),
    h('div', { class: 'panel' }, h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, newer, older)),
  );

  async function load() {
    const q = new URLSearchParams({ limit: '25' });
    for (const k of ['provider', 'status', 'method', 'order']) if (filters[k]) q.set(k, filters[k]);
    if (filters.from) q.set('from', String(dayStart(filters.from)));
    if (filters.to) q.set('to', String(dayStart(filters.to) + 86_400));
    if (after) q.set('starting_after', after);
    const page = await api(`/payments?${q}`);
    const before = shown;
    shown = new Set(page.data.map((p) => p.id));
    body.replaceChildren(
      ...(page.data.length === 0
        ? [h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('payments.empty')))]
        : page.data.map((p) =>
            h(
              'tr',
              { class: before.size > 0 && !before.has(p.id) ? 'fresh' : undefined, dataset: { id: p.id } },
              h('td', {}, h('a', { href: `#/payments/${encodeURIComponent(p.id)}` }, p.merchant_order_id)),
              h('td', { class: 'num' }, money(p.amount, p.currency)),
              h('td', {}, statusBadge(p.status)),
              h('td', { class: 'hide-sm' }, methodName(p.method)),
              h('td', { class: 'hide-sm' }, p.provider),
              h('td', { class: 'muted when' }, shortTime(p.created * 1000)),
              h('td', { class: 'mono muted hide-sm' }, p.id),
            ),
          )),
    );
    newer.disabled = cursors.length === 0;
    older.disabled = !page.has_more;
    older.onclick = () => {
      cursors.push(after);
      after = page.next_cursor;
      void load();
    };
  }
  newer.addEventListener('click', () => {
    after = cursors.pop() ?? '';
    void load();
  });
  banner.addEventListener('click', () => {
    cursors.length = 0;
    after = '';
    unseen = 0;
    banner.hidden = true;
    void load();
  });

  const apply = () => {
    for (const k of FILTERS) filters[k] = form.elements[k].value.trim();
    const q = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, '', `#/payments${q.size ? `?${q}` : ''}`);
    cursors.length = 0;
    after = '';
    shown = new Set();
    void load();
  };
  form.addEventListener('change', apply);
  form.addEventListener('input', debounce((e) => e.target.name === 'order' && apply(), 300));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  await load();

  const refresh = debounce(async () => {
    const o = await api('/overview');
    total.textContent = t('payments.count', { count: count(o.counts.payments) });
    if (after === '') void load();
  }, 150);
  return {
    onLive(msg) {
      if (msg.kind !== 'event') return;
      if (after !== '' && msg.type === 'payment.created') {
        unseen++;
        banner.textContent = t('payments.new', { count: unseen });
        banner.hidden = false;
      }
      refresh();
    },
  };
}

function formatBody(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function timelineItem(e, payment, resend) {
  const when = h('div', { class: 'when' }, shortTime(e.at));
  if (e.kind === 'event') {
    return h('li', { class: 'event' }, when, h('div', { class: 'row' }, h('span', {}, t('tl.event', { type: e.type })), resend(e.event_id)));
  }
  const base = { type: e.event_type, destination: e.destination, number: e.number };
  if (e.kind === 'dropped') return h('li', { class: 'bad' }, when, t('tl.dropped', base));
  if (e.kind === 'scheduled') return h('li', { class: 'scheduled' }, when, t('tl.scheduled', base));
  const result = e.status === null ? t('tl.no_answer', { error: e.error }) : `HTTP ${e.status} · ${t('delivery.latency', { ms: e.latency_ms })}`;
  return h('li', { class: e.acknowledged ? 'ok' : 'bad' }, when, t('tl.attempt', { ...base, result }));
}

function cancelRetries(d) {
  const button = h('button', { type: 'button', class: 'small danger', dataset: { testid: 'cancel-retries', delivery: d.id } }, t('action.cancel_retries'));
  button.addEventListener('click', () =>
    act(button, t('action.cancel_retries'), () => api(`/deliveries/${encodeURIComponent(d.id)}/cancel`, { method: 'POST', body: {} })),
  );
  return button;
}

function deliveryCard(d, openKeys) {
  const attempts = d.attempts.map((a, i) => {
    const key = `${d.id}#${a.number}`;
    const open = openKeys ? openKeys.has(key) : i === d.attempts.length - 1;
    const answer = a.status === null ? h('span', { class: 'badge bad' }, a.error ?? 'error') : h('span', { class: `badge ${a.acknowledged ? 'ok' : 'bad'}` }, `HTTP ${a.status}`);
    const request = a.request
      ? h('pre', { class: 'request' }, `POST ${d.url}\n${Object.entries(a.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${formatBody(a.request.body)}`)
      : h('p', { class: 'muted' }, t('delivery.not_sent', { error: a.error ?? '' }));
    const response =
      a.status === null
        ? h('pre', { class: 'response' }, a.error ?? '')
        : h('pre', { class: 'response' }, `HTTP ${a.status} · ${a.latency_ms} ms\n\n${a.response_excerpt}`);
    return h(
      'details',
      { class: 'attempt', open, dataset: { key } },
      h('summary', {}, h('strong', {}, t('delivery.attempt', { number: a.number })), answer, h('span', { class: 'muted' }, `${shortTime(a.at)} · ${t('delivery.latency', { ms: a.latency_ms })}`)),
      h('div', { class: 'exchange' }, h('div', {}, h('h3', {}, t('delivery.request')), request), h('div', {}, h('h3', {}, t('delivery.response')), response)),
    );
  });
  return h(
    'div',
    { class: 'delivery', dataset: { delivery: d.id } },
    h(
      'div',
      { class: 'delivery-head' },
      h('strong', {}, d.event_type),
      h('span', { class: `badge ${d.status === 'succeeded' ? 'ok' : d.status === 'pending' ? 'warn' : 'bad'}`, dataset: { status: d.status } }, t(`status.${d.status}`)),
      d.probe ? h('span', { class: 'badge info' }, t('delivery.probe', { probe: d.probe })) : null,
      h('span', { class: 'badge' }, d.kind),
      h('span', { class: 'url' }, d.url),
    ),
    d.status === 'pending' && d.next_attempt_at
      ? h('p', { class: 'row next-attempt' }, h('span', { class: 'muted' }, t('delivery.next', { when: dateTime(d.next_attempt_at) })), cancelRetries(d))
      : null,
    d.canceled_at ? h('p', { class: 'muted' }, t('delivery.canceled', { when: dateTime(d.canceled_at) })) : null,
    attempts,
  );
}

function actionsPanel(detail, reload) {
  const p = detail.payment;
  const a = detail.actions;
  const items = [];
  const amountForm = (label, max, path, testid) => {
    const input = h('input', { type: 'number', name: 'amount', min: '0', step: 'any', value: toMajor(max, p.currency), id: `${testid}-amount`, required: true });
    // A live update redraws the page; what the developer typed survives it (see paymentView's load).
    input.addEventListener('input', () => (input.dataset.dirty = '1'));
    const button = h('button', { type: 'submit', class: 'primary', dataset: { testid } }, label);
    return h(
      'form',
      {
        onsubmit: (e) => {
          e.preventDefault();
          void act(button, label, async () => {
            await api(`/payments/${encodeURIComponent(p.id)}/${path}`, { method: 'POST', body: { amount: toMinor(input.value, p.currency) } });
            delete input.dataset.dirty;
            await reload();
          });
        },
      },
      h('label', { class: 'field', for: `${testid}-amount` }, t('action.amount', { currency: p.currency }), input),
      button,
    );
  };
  if (a.capture) items.push(amountForm(t('action.capture'), a.capture.max, 'capture', 'capture'));
  if (a.refund) items.push(amountForm(t('action.refund'), a.refund.max, 'refund', 'refund'));
  if (a.cancel) {
    const button = h('button', { type: 'button', class: 'danger', dataset: { testid: 'cancel' } }, t('action.cancel'));
    button.addEventListener('click', () => {
      if (!confirm(t('action.confirm_cancel'))) return;
      void act(button, t('action.cancel'), async () => {
        await api(`/payments/${encodeURIComponent(p.id)}/cancel`, { method: 'POST', body: {} });
        await reload();
      });
    });
    items.push(button);
  }
  if (a.buyer_url) items.push(h('a', { class: 'button', href: a.buyer_url, target: '_blank', rel: 'noopener', dataset: { testid: 'buyer' } }, t('action.buyer')));
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h' }, t('detail.actions')),
    items.length ? h('div', { class: 'actions' }, items) : h('p', { class: 'muted' }, t('detail.no_actions', { status: t(`status.${p.status}`).toLowerCase() })),
  );
}

async function paymentView(root, params) {
  const id = params[0];
  let openKeys = null;

  async function load() {
    const detail = await api(`/payments/${encodeURIComponent(id)}`);
    const p = detail.payment;
    if (root.querySelector('.attempt')) openKeys = new Set([...root.querySelectorAll('details.attempt[open]')].map((d) => d.dataset.key));
    const typed = [...root.querySelectorAll('input[data-dirty]')].map((el) => [el.id, el.value]);
    const resend = (eventId) => {
      if (detail.deliveries.length === 0) return null;
      const button = h('button', { type: 'button', class: 'small', dataset: { testid: 'resend', event: eventId } }, t('action.resend'));
      button.addEventListener('click', () =>
        act(button, t('action.resend'), async () => {
          await api(`/events/${encodeURIComponent(eventId)}/resend`, { method: 'POST', body: {} });
        }),
      );
      return button;
    };
    const fact = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
    root.replaceChildren(
      h('p', {}, h('a', { href: '#/payments' }, t('detail.back'))),
      h(
        'div',
        { class: 'panel' },
        h('div', { class: 'summary' }, h('span', { class: 'amount-lg', id: 'payment-amount' }, money(p.amount, p.currency)), statusBadge(p.status)),
        h(
          'dl',
          { class: 'facts' },
          fact(t('detail.order'), p.merchant_order_id),
          fact(t('detail.id'), h('span', { class: 'mono' }, p.id)),
          fact(t('detail.provider'), detail.provider),
          fact(t('detail.method'), p.payment_method.type === 'card' ? `${p.payment_method.card.brand.replace(/^./, (c) => c.toUpperCase())} •••• ${p.payment_method.card.last4}` : methodName(p.payment_method.wallet)),
          fact(t('detail.created'), dateTime(p.created * 1000)),
          fact(t('detail.captured'), money(p.amount_captured, p.currency)),
          fact(t('detail.refunded'), h('span', { id: 'payment-refunded' }, money(p.amount_refunded, p.currency))),
          fact(t('detail.fee'), money(p.fee, p.currency)),
          p.failure_code ? fact(t('detail.failure'), `${p.failure_code}: ${p.failure_message ?? ''}`) : null,
          p.notify_url ? fact(t('detail.notify_url'), h('span', { class: 'mono' }, p.notify_url)) : null,
        ),
      ),
      actionsPanel(detail, load),
      h(
        'div',
        { class: 'grid-2' },
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'deliveries-h' },
          h('h2', { id: 'deliveries-h' }, t('detail.deliveries')),
          detail.deliveries.length ? detail.deliveries.map((d) => deliveryCard(d, openKeys)) : h('p', { class: 'muted' }, t('detail.no_deliveries')),
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'timeline-h' },
          h('h2', { id: 'timeline-h' }, t('detail.timeline')),
          h('ol', { class: 'timeline' }, detail.timeline.map((e) => timelineItem(e, p, resend))),
          detail.refunds.length
            ? [
                h('h2', {}, t('detail.refunds')),
                h(
                  'table',
                  {},
                  h('tbody', {}, detail.refunds.map((r) => h('tr', {}, h('td', { class: 'mono' }, r.id), h('td', { class: 'num' }, money(r.amount, r.currency)), h('td', {}, h('span', { class: `badge ${r.status}` }, r.status))))),
                ),
              ]
            : null,
        ),
      ),
    );
    for (const [inputId, value] of typed) {
      const el = root.querySelector(`#${inputId}`);
      if (el) Object.assign(el, { value }).dataset.dirty = '1';
    }
  }
  await load();
  const reload = debounce(() => void load(), 150);
  return {
    onLive(msg) {
      if (msg.payment_id === id) reload();
    },
  };
}

export const VIEWS = {
  payments: (root, params, query) => (params.length ? paymentView(root, params) : paymentsView(root, params, query)),
};
