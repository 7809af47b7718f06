// Analytics (charts from the locally served Chart.js, and the same figures as numbers) and callback chaos.
import { currentLang, t } from './i18n.js';
import { act, api, count, debounce, digitsOf, h, methodName, money, percent } from './ui.js';

const PALETTE = ['#4338ca', '#0d9488', '#d97706', '#db2777', '#2563eb', '#65a30d', '#7c3aed', '#dc2626'];
const SINCE = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400, all: null };

let chartLoading = null;
/** Chart.js is loaded on the analytics page only, from the sandbox itself. */
function loadChart() {
  chartLoading ??= new Promise((resolve, reject) => {
    const s = h('script', { src: '/_dashboard/assets/chart.umd.min.js' });
    s.addEventListener('load', () => resolve(window.Chart));
    s.addEventListener('error', () => reject(new Error('chart library failed to load')));
    document.head.append(s);
  });
  return chartLoading;
}

function tile(id, label, value, sub) {
  const lines = Array.isArray(value) ? value : [value];
  return h(
    'div',
    { class: 'tile', dataset: { testid: id } },
    h('div', { class: 'label' }, label),
    h('div', { class: lines.length > 1 ? 'value multi' : 'value' }, lines.map((l) => h('span', { class: 'line' }, l))),
    sub ? h('div', { class: 'sub' }, sub) : null,
  );
}

function chartPanel(title, id) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': title });
  return { canvas, el: h('section', { class: 'panel' }, h('h2', {}, title), h('div', { class: 'chart-box' }, canvas)) };
}

async function analyticsView(root, _params, query) {
  const period = SINCE[query.get('since')] !== undefined ? query.get('since') : 'all';
  const provider = query.get('provider') ?? '';
  const Chart = await loadChart();
  const charts = [];
  const controls = h(
    'form',
    { class: 'filters' },
    h('label', { class: 'field' }, t('analytics.since'), h('select', { name: 'since' }, Object.keys(SINCE).map((k) => h('option', { value: k, selected: k === period }, t(`since.${k}`))))),
    h('label', { class: 'field' }, t('filter.provider'), h('select', { name: 'provider' }, h('option', { value: '' }, t('filter.any')))),
  );
  controls.addEventListener('change', () => {
    const q = new URLSearchParams({ since: controls.elements.since.value });
    if (controls.elements.provider.value) q.set('provider', controls.elements.provider.value);
    location.hash = `#/analytics?${q}`;
  });
  const body = h('div', {});
  root.replaceChildren(h('div', { class: 'page-head' }, h('h1', {}, t('analytics.title'))), h('div', { class: 'panel' }, controls), body);

  async function load() {
    const q = new URLSearchParams();
    if (SINCE[period] !== null) q.set('since', String(Math.floor(Date.now() / 1000) - SINCE[period]));
    if (provider) q.set('provider', provider);
    const s = await api(`/stats?${q}`);
    const providerSelect = controls.elements.provider;
    if (providerSelect.options.length === 1) for (const p of s.providers) providerSelect.append(h('option', { value: p, selected: p === provider }, p));
    for (const c of charts.splice(0)) c.destroy();
    const n = s.notifications;
    const ms = (v) => (v === null ? '—' : `${v} ms`);
    const tiles = h(
      'div',
      { class: 'tiles' },
      tile('payments', t('tile.payments'), count(s.payments.total)),
      tile('success-rate', t('tile.success_rate'), percent(s.success_rate), t('tile.success_sub')),
      tile('captured', t('tile.captured'), s.amounts.length ? s.amounts.map((a) => money(a.captured, a.currency)) : '—'),
      tile('refund-rate', t('tile.refund_rate'), percent(s.refunds.refund_rate), t('tile.refunded_sub', { count: s.refunds.payments_refunded })),
      tile('delivery-rate', t('tile.delivery_rate'), percent(n.success_rate), t('tile.delivery_sub', { attempts: count(n.attempts) })),
      tile('latency', t('tile.latency'), ms(n.latency_ms.mean), t('tile.latency_sub', { p50: ms(n.latency_ms.p50), p95: ms(n.latency_ms.p95) })),
    );
    const volume = chartPanel(t('chart.volume'), 'chart-volume');
    const amount = chartPanel(t('chart.amount'), 'chart-amount');
    const declines = chartPanel(t('chart.declines'), 'chart-declines');
    const methods = chartPanel(t('chart.methods'), 'chart-methods');
    const notes = chartPanel(t('chart.notifications'), 'chart-notifications');
    body.replaceChildren(tiles, h('div', { class: 'grid' }, volume.el, amount.el), h('div', { class: 'grid' }, declines.el, methods.el, notes.el));

    const fmt = new Intl.DateTimeFormat(currentLang(), s.series.interval === 'day' ? { month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric', hour: '2-digit' });
    const labels = s.series.points.map((p) => fmt.format(new Date(p.t * 1000)));
    const base = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } };
    charts.push(
      new Chart(volume.canvas, {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: t('series.succeeded'), data: s.series.points.map((p) => p.succeeded), backgroundColor: '#16a34a' },
            { label: t('series.failed'), data: s.series.points.map((p) => p.failed), backgroundColor: '#dc2626' },
            { label: t('series.other'), data: s.series.points.map((p) => p.payments - p.succeeded - p.failed), backgroundColor: '#94a3b8' },
          ],
        },
        options: { ...base, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      }),
    );
    const currencies = s.amounts.map((a) => a.currency);
    charts.push(
      new Chart(amount.canvas, {
        type: 'line',
        data: {
          labels,
          datasets: currencies.map((cur, i) => ({
            label: cur,
            data: s.series.points.map((p) => (p.amount[cur] ?? 0) / 10 ** digitsOf(cur)),
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length],
            tension: 0.25,
          })),
        },
        options: { ...base, scales: { y: { beginAtZero: true } } },
      }),
    );
    const doughnut = (canvas, pairs) =>
      new Chart(canvas, {
        type: 'doughnut',
        data: { labels: pairs.map((p) => p[0]), datasets: [{ data: pairs.map((p) => p[1]), backgroundColor: PALETTE }] },
        options: { ...base, plugins: { legend: { position: 'right' } } },
      });
    charts.push(
      new Chart(declines.canvas, {
        type: 'bar',
        data: { labels: s.decline_reasons.map((d) => d.code), datasets: [{ label: t('series.failed'), data: s.decline_reasons.map((d) => d.count), backgroundColor: '#dc2626' }] },
        options: { ...base, indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      }),
    );
    charts.push(doughnut(methods.canvas, s.methods.map((m) => [methodName(m.method), m.count])));
    const DELIVERY_COLOURS = { succeeded: '#16a34a', failed: '#dc2626', pending: '#d97706', dropped: '#64748b' };
    const deliveries = Object.entries(n.by_status);
    charts.push(
      new Chart(notes.canvas, {
        type: 'doughnut',
        data: { labels: deliveries.map(([k]) => t(`status.${k}`)), datasets: [{ data: deliveries.map(([, v]) => v), backgroundColor: deliveries.map(([k]) => DELIVERY_COLOURS[k] ?? '#94a3b8') }] },
        options: { ...base, plugins: { legend: { position: 'right' } } },
      }),
    );
  }
  await load();
  const reload = debounce(() => void load(), 1000);
  return {
    onLive: () => reload(),
    dispose: () => charts.forEach((c) => c.destroy()),
  };
}

const BEHAVIOURS = {
  delay: (v) => ({ delay_ms: v }),
  duplicate: (v) => ({ duplicates: v }),
  drop: () => ({ drop: true }),
  fail_first: (v) => ({ fail_first: v }),
  // Holding the next notification back lets the ones after it arrive first.
  reorder: (v) => ({ delay_ms: v }),
  tampered: () => ({ probe: 'tampered' }),
  stale: () => ({ probe: 'stale' }),
};
const DEFAULT_VALUE = { delay: 5000, duplicate: 1, fail_first: 2, reorder: 3000 };

function describeRule(r) {
  const c = r.chaos;
  const parts = [];
  if (c.delayMs) parts.push(`${t('chaos.delay')} ${c.delayMs} ms`);
  if (c.duplicates) parts.push(`${t('chaos.duplicate')} ×${c.duplicates}`);
  if (c.drop) parts.push(t('chaos.drop'));
  if (c.failFirst) parts.push(`${t('chaos.fail_first')} ×${c.failFirst}`);
  if (c.probe) parts.push(t(`chaos.${c.probe}`));
  return parts.join(', ');
}

async function chaosView(root) {
  const list = h('ul', { id: 'chaos-armed' });
  const disarm = h('button', { type: 'button', class: 'danger', dataset: { testid: 'disarm' } }, t('chaos.disarm'));
  const behaviour = h('select', { name: 'behaviour', id: 'chaos-behaviour' }, Object.keys(BEHAVIOURS).map((k) => h('option', { value: k }, t(`chaos.${k}`))));
  const value = h('input', { type: 'number', name: 'value', id: 'chaos-value', min: '0', value: '5000' });
  const valueLabel = h('label', { class: 'field', for: 'chaos-value' }, h('span', {}, t('chaos.value.delay')), value);
  const syncValue = () => {
    const k = behaviour.value;
    valueLabel.hidden = DEFAULT_VALUE[k] === undefined;
    valueLabel.firstChild.textContent = t(`chaos.value.${k === 'reorder' ? 'delay' : k}`);
    if (DEFAULT_VALUE[k] !== undefined) value.value = String(DEFAULT_VALUE[k]);
  };
  behaviour.addEventListener('change', syncValue);
  const events = h('input', { type: 'text', name: 'events', id: 'chaos-events', value: '*' });
  const order = h('input', { type: 'text', name: 'order', id: 'chaos-order' });
  const times = h('input', { type: 'number', name: 'times', id: 'chaos-times', min: '1', value: '1' });
  const arm = h('button', { type: 'submit', class: 'primary', dataset: { testid: 'arm' } }, t('chaos.arm'));
  const form = h(
    'form',
    { class: 'filters' },
    h('label', { class: 'field', for: 'chaos-behaviour' }, t('chaos.behaviour'), behaviour),
    valueLabel,
    h('label', { class: 'field', for: 'chaos-events' }, t('chaos.events'), events),
    h('label', { class: 'field', for: 'chaos-order' }, t('chaos.order'), order),
    h('label', { class: 'field', for: 'chaos-times' }, t('chaos.times'), times),
    h('div', {}, arm),
  );
  const disarmOne = (r) => {
    const button = h('button', { type: 'button', class: 'small', dataset: { testid: 'disarm-one' }, 'aria-label': `${t('chaos.disarm_one')} ${r.id}` }, t('chaos.disarm_one'));
    button.addEventListener('click', () =>
      act(button, t('chaos.disarm_one'), async () => {
        await api(`/chaos/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
        await refresh();
      }),
    );
    return button;
  };
  async function refresh() {
    const rules = (await api('/chaos')).data;
    list.replaceChildren(
      ...(rules.length
        ? rules.map((r) =>
            h(
              'li',
              { dataset: { rule: r.id } },
              h('strong', {}, describeRule(r)),
              ' — ',
              r.events.join(', '),
              r.merchant_order_id ? ` · ${r.merchant_order_id}` : '',
              ' · ',
              r.remaining === null ? t('chaos.unlimited') : t('chaos.remaining', { n: r.remaining }),
              ' ',
              disarmOne(r),
            ),
          )
        : [h('li', { class: 'muted' }, t('chaos.none'))]),
    );
    disarm.disabled = rules.length === 0;
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Math.max(0, Math.round(Number(value.value) || 0));
    const body = {
      ...BEHAVIOURS[behaviour.value](v),
      events: events.value.split(',').map((s) => s.trim()).filter(Boolean),
      times: Math.max(1, Math.round(Number(times.value) || 1)),
    };
    if (order.value.trim()) body.merchant_order_id = order.value.trim();
    void act(arm, t('chaos.arm'), async () => {
      await api('/chaos', { method: 'POST', body });
      await refresh();
    });
  });
  disarm.addEventListener('click', () =>
    act(disarm, t('chaos.disarm'), async () => {
      await api('/chaos', { method: 'DELETE' });
      await refresh();
    }),
  );
  root.replaceChildren(
    h('h1', {}, t('chaos.title')),
    h('p', { class: 'muted' }, t('chaos.intro')),
    h('div', { class: 'panel' }, form),
    h('section', { class: 'panel', 'aria-labelledby': 'armed-h' }, h('div', { class: 'page-head' }, h('h2', { id: 'armed-h' }, t('chaos.armed')), disarm), list),
  );
  syncValue();
  await refresh();
  // Rules are used up by notifications: keep the list current.
  const reload = debounce(() => void refresh(), 300);
  return { onLive: () => reload() };
}

export const EXTRA_VIEWS = { analytics: analyticsView, chaos: chaosView };
