// The dashboard's shell: language, routing between views (#/payments, #/payments/<id>, …) and the live
// connection to the sandbox's event stream, which tells the open view what changed.
import { initialLang, setLang, currentLang, t, translateStatic } from './i18n.js';
import { API, h } from './ui.js';
import { VIEWS } from './views.js';
import { EXTRA_VIEWS } from './views-more.js';
import { SETTINGS_VIEWS } from './views-settings.js';

const ROUTES = { ...VIEWS, ...EXTRA_VIEWS, ...SETTINGS_VIEWS };
let active = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '') || 'payments';
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean);
  return { name: parts[0] ?? 'payments', params: parts.slice(1).map(decodeURIComponent), query: new URLSearchParams(query) };
}

async function render() {
  const { name, params, query } = parseHash();
  const view = ROUTES[name] ?? ROUTES.payments;
  active?.dispose?.();
  active = null;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Each render gets its own container: a slow view finishing after the next navigation writes into a
  // detached element, not over the page now shown.
  const container = h('div', { class: 'view', dataset: { view: name } }, h('p', { class: 'muted' }, t('loading')));
  document.getElementById('view').replaceChildren(container);
  try {
    const controller = await view(container, params, query);
    if (container.isConnected) active = controller ?? null;
    else controller?.dispose?.();
  } catch (err) {
    container.replaceChildren(h('div', { class: 'panel', role: 'alert' }, t('error.load', { message: err.message })));
  }
}

function connectLive() {
  const badge = document.getElementById('live');
  const text = document.getElementById('live-text');
  const show = (state) => {
    badge.dataset.state = state;
    text.textContent = t(`live.${state}`);
  };
  show('connecting');
  const source = new EventSource(`${API}/stream`);
  source.addEventListener('open', () => show('open'));
  source.addEventListener('error', () => show(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'));
  for (const kind of ['event', 'delivery']) {
    source.addEventListener(kind, (e) => {
      const msg = { kind, ...JSON.parse(e.data) };
      active?.onLive?.(msg);
    });
  }
  return { relabel: () => show(badge.dataset.state) };
}

function boot() {
  setLang(initialLang(), false);
  const select = document.getElementById('lang');
  select.value = currentLang();
  translateStatic();
  const live = connectLive();
  select.addEventListener('change', () => {
    setLang(select.value, true);
    translateStatic();
    live.relabel();
    void render();
  });
  window.addEventListener('hashchange', () => void render());
  void render();
}

boot();
