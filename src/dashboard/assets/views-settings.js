// Merchant settings (fees, risk rule, each provider's credentials, key files, retry schedule and client
// snippet) and the reconciliation report.
import { t } from './i18n.js';
import { act, api, copy, h, money, shortTime } from './ui.js';

/** 90000 → "1m30s". */
function duration(ms) {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

async function settingsView(root) {
  const s = await api('/settings');
  const m = s.merchant;
  const field = (name, label, value) => h('label', { class: 'field', for: `set-${name}` }, label, h('input', { type: 'number', id: `set-${name}`, name, min: '0', value: value ?? '' }));
  const save = h('button', { type: 'submit', class: 'primary' }, t('settings.save'));
  const form = h(
    'form',
    { class: 'filters' },
    field('percent_bps', t('settings.percent'), m.fees.percent_bps),
    field('fixed', t('settings.fixed'), m.fees.fixed),
    field('risk_max_amount', t('settings.risk'), m.risk_max_amount),
    h('div', {}, save),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const el = form.elements;
    const risk = el.risk_max_amount.value.trim();
    void act(save, t('settings.saved'), () =>
      api('/settings', {
        method: 'POST',
        body: { fees: { percent_bps: Number(el.percent_bps.value), fixed: Number(el.fixed.value) }, risk_max_amount: risk === '' ? null : Number(risk) },
      }),
    );
  });
  const providers = s.providers.map((p) =>
    h(
      'section',
      { class: 'panel', dataset: { provider: p.name } },
      h('h2', {}, p.title),
      [{ name: t('settings.base_url'), value: p.base_url, secret: false }, ...p.credentials].map((c) => {
        const code = h('code', {}, c.secret ? '•'.repeat(24) : c.value);
        const reveal = c.secret ? h('button', { type: 'button', class: 'small', onclick: () => (code.textContent = c.value) }, t('settings.reveal')) : null;
        return h(
          'div',
          { class: 'cred' },
          h('span', { class: 'cred-name muted' }, c.name),
          code,
          h('span', { class: 'row' }, reveal, h('button', { type: 'button', class: 'small', 'aria-label': `${t('settings.copy')} ${c.name}`, onclick: () => copy(c.value) }, t('settings.copy'))),
        );
      }),
      p.files.length
        ? h('p', { class: 'row' }, p.files.map((f) => h('a', { class: 'button small', href: `/_dashboard/api/providers/${encodeURIComponent(p.name)}/files/${encodeURIComponent(f)}`, download: f }, t('settings.download', { name: f }))))
        : null,
      h('p', { class: 'row' }, h('span', { class: 'muted' }, t('settings.retry')), h('ol', { class: 'row retry-schedule' }, p.retry_schedule_ms.map((ms, i) => h('li', { class: 'badge info' }, `#${i + 2}: +${duration(ms)}`)))),
      h('div', { class: 'page-head' }, h('h3', {}, t('settings.snippet')), h('button', { type: 'button', class: 'small', onclick: () => copy(p.snippet) }, t('settings.copy'))),
      h('pre', {}, p.snippet),
    ),
  );
  root.replaceChildren(
    h('h1', {}, t('settings.title')),
    h('section', { class: 'panel' }, h('h2', {}, t('settings.fees')), form),
    h('h2', {}, t('settings.providers')),
    h('p', { class: 'muted' }, t('settings.retry_note')),
    ...providers,
  );
}

async function reconciliationView(root, _params, query) {
  const today = new Date().toISOString().slice(0, 10);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') ?? '') ? query.get('date') : today;
  const provider = query.get('provider') ?? '';
  const overview = await api('/overview');
  const input = h('input', { type: 'date', id: 'recon-date', name: 'date', value: date, required: true });
  const providerSelect = h(
    'select',
    { id: 'recon-provider', name: 'provider' },
    h('option', { value: '' }, t('filter.any')),
    overview.providers.map((p) => h('option', { value: p, selected: p === provider }, p)),
  );
  const form = h(
    'form',
    { class: 'row' },
    h('label', { class: 'field', for: 'recon-date' }, t('recon.date'), input),
    h('label', { class: 'field', for: 'recon-provider' }, t('filter.provider'), providerSelect),
    h('button', { type: 'submit', class: 'primary' }, t('recon.load')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ date: input.value });
    if (providerSelect.value) q.set('provider', providerSelect.value);
    location.hash = `#/reconciliation?${q}`;
  });
  const rq = new URLSearchParams(provider ? { provider } : {});
  const r = await api(`/settlements/${date}${rq.size ? `?${rq}` : ''}`);
  const csv = new URLSearchParams({ format: 'csv', ...(provider ? { provider } : {}) });
  const th = (...cols) => h('thead', {}, h('tr', {}, cols.map(([label, num]) => h('th', { scope: 'col', class: num ? 'num' : undefined }, label))));
  root.replaceChildren(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('recon.title')),
      h('a', { class: 'button', href: `/_dashboard/api/settlements/${date}?${csv}`, download: '', dataset: { testid: 'csv' } }, t('recon.csv')),
      // The provider's own bill for the day, to compare with the report (the provider's day, China time for Alipay and WeChat Pay).
      r.provider_bill_url ? h('a', { class: 'button', href: r.provider_bill_url, download: '', dataset: { testid: 'provider-bill' } }, t('recon.providerBill', { provider })) : null,
    ),
    h('div', { class: 'panel' }, form),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, t('recon.totals')),
      r.totals.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              {},
              th([t('recon.currency')], [t('recon.payments'), 1], [t('recon.refunds'), 1], [t('recon.fees'), 1], [t('recon.net'), 1]),
              h(
                'tbody',
                {},
                r.totals.map((x) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, x.currency),
                    h('td', { class: 'num' }, `${x.payment_count} · ${money(x.payment_amount, x.currency)}`),
                    h('td', { class: 'num' }, `${x.refund_count} · ${money(x.refund_amount, x.currency)}`),
                    h('td', { class: 'num' }, money(x.fee_total, x.currency)),
                    h('td', { class: 'num' }, money(x.net_total, x.currency)),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('recon.none')),
    ),
    r.rows.length
      ? h(
          'section',
          { class: 'panel' },
          h('h2', {}, t('recon.rows')),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              {},
              th([t('recon.time')], [t('recon.type')], [t('col.order')], [t('col.amount'), 1], [t('recon.fees'), 1], [t('recon.net'), 1]),
              h(
                'tbody',
                {},
                r.rows.map((x) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, shortTime(x.time * 1000)),
                    h('td', {}, x.type),
                    h('td', {}, h('a', { href: `#/payments/${encodeURIComponent(x.payment_id)}` }, x.merchant_order_id)),
                    h('td', { class: 'num' }, money(x.amount, x.currency)),
                    h('td', { class: 'num' }, money(x.fee, x.currency)),
                    h('td', { class: 'num' }, money(x.net, x.currency)),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

export const SETTINGS_VIEWS = { settings: settingsView, reconciliation: reconciliationView };
