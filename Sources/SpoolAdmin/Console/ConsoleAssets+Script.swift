extension ConsoleAssets {
    /// The console's script, served as one file: the core (DOM helpers, the API client, sortable tables, the
    /// Prometheus text parser, sparklines, the hash router) and then one part per page, each registering its
    /// routes with `route(...)`, and last the start-up call.
    static let script = [
        scriptCore, scriptWidgets, scriptOverview, scriptTopics, scriptRecords, scriptGroups, scriptShareGroups,
        scriptConfig, "start();\n",
    ].joined(separator: "\n")

    /// DOM helpers, the API client, formatting, the router and the auto-refresh.
    static let scriptCore = #"""
'use strict';
// Spool console. Vanilla JavaScript: no build step, no dependency, nothing fetched but this broker's admin API.
const REFRESH_MS = 5000;
const state = { generation: 0, current: null, sort: {}, binaryAs: 'hex' };
const pages = [];

/** Makes an element: h('a', {href: '#/'}, 'text', child). Attributes named on* become listeners. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
function svgEl(tag, attrs) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}
/** Replaces an element's children. */
function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
function enc(s) { return encodeURIComponent(s); }

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
/** Calls the admin API; an answer that is not 2xx throws its `{"error": ...}` text. */
async function api(path, options) {
  const o = options || {};
  const init = { method: o.method || 'GET', headers: { Accept: 'application/json' }, cache: 'no-store' };
  if (o.body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(o.body); }
  let response;
  try { response = await fetch(path, init); } catch (e) {
    throw new ApiError(0, 'The admin listener did not answer (' + e.message + '). Is the broker running?');
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!response.ok) {
    const why = body && body.error ? body.error : text.slice(0, 300) || response.statusText;
    throw new ApiError(response.status, init.method + ' ' + path + ' answered ' + response.status + ': ' + why);
  }
  return body;
}
async function metricsText() {
  const response = await fetch('/metrics', { cache: 'no-store' });
  if (!response.ok) throw new ApiError(response.status, 'GET /metrics answered ' + response.status);
  return response.text();
}

const fmt = {
  int(n) { return n == null ? '–' : Number(n).toLocaleString('en-US'); },
  bytes(n) {
    if (n == null || Number.isNaN(n)) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let v = Number(n), i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v.toFixed(0) : v.toFixed(Math.abs(v) < 10 ? 2 : 1)) + ' ' + units[i];
  },
  rate(n) { return n == null ? '–' : fmt.bytes(n) + '/s'; },
  perSecond(n) { return n == null ? '–' : (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')) + '/s'; },
  /** A time in the browser's time zone, as 2026-12-01 14:05:09.123. */
  time(ms) {
    if (ms == null || ms < 0) return '–';
    const d = new Date(ms), p = (x, n) => String(x).padStart(n || 2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' +
      p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  },
  zone() {
    const m = -new Date().getTimezoneOffset(), a = Math.abs(m);
    const p = (x) => String(x).padStart(2, '0');
    return 'UTC' + (m < 0 ? '−' : '+') + p(Math.floor(a / 60)) + ':' + p(a % 60);
  },
  duration(seconds) {
    if (seconds == null) return '–';
    let s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400); s %= 86400;
    const hh = Math.floor(s / 3600); s %= 3600;
    const mm = Math.floor(s / 60); s %= 60;
    if (d) return d + ' d ' + hh + ' h';
    if (hh) return hh + ' h ' + mm + ' min';
    if (mm) return mm + ' min ' + s + ' s';
    return s + ' s';
  },
};

/** A state badge coloured by what the state means for an operator. */
function stateBadge(s) {
  const text = s || 'Unknown';
  const cls = /^(Stable)$/i.test(text) ? 'good' : /^(Empty)$/i.test(text) ? '' :
    /Rebalanc|Assigning|Reconciling/i.test(text) ? 'warn' : /Dead|Unknown/i.test(text) ? 'bad' : 'info';
  return h('span', { class: 'badge ' + cls }, text);
}
/** A lag figure: plain at 0, amber and bold above, red when it is large. */
function lagView(lag, high) {
  if (lag == null) return h('span', { class: 'null' }, 'no commit');
  const cls = lag <= 0 ? '' : lag >= (high || 1000) ? 'lag-high' : 'lag-some';
  return h('span', { class: cls, 'data-lag': lag }, fmt.int(lag));
}

/** Registers a page: `pattern` matches the hash's path; `setup(main, args, params)` returns {refresh, auto}. */
function route(pattern, nav, setup) { pages.push({ pattern, nav, setup }); }

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}
/** Shows the page the hash names, then refreshes it every REFRESH_MS unless it opts out (auto: false). */
function navigate() {
  const { path, params } = parseHash();
  const main = document.getElementById('main');
  const generation = ++state.generation;
  fill(main);
  main.classList.remove('loading');
  window.scrollTo(0, 0);
  let page = null, args = [];
  for (const p of pages) {
    const m = path.match(p.pattern);
    if (m) { page = p; args = m.slice(1).map((a) => a == null ? a : decodeURIComponent(a)); break; }
  }
  for (const a of document.querySelectorAll('.nav a')) {
    a.classList.toggle('active', !!page && a.dataset.nav === page.nav);
  }
  const banner = h('div', { class: 'error hidden', id: 'page-error', role: 'alert' });
  main.append(banner);
  if (!page) { showError(banner, 'There is no page at #' + path + '.'); return; }
  const view = page.setup(main, args, params) || {};
  // A detail page shows nothing but its title and the error until its first answer: a topic or group that does
  // not exist should not look like an empty one.
  if (view.detail) main.classList.add('loading');
  state.current = { generation, view, banner, busy: false };
  refreshCurrent();
}
async function refreshCurrent() {
  const current = state.current;
  if (!current || !current.view.refresh || current.busy) return;
  current.busy = true;
  try {
    await current.view.refresh();
    if (current.generation !== state.generation) return;
    document.getElementById('main').classList.remove('loading');
    hideError(current.banner);
    document.getElementById('last-refresh').textContent = 'Updated ' + fmt.time(Date.now()).slice(11, 19);
  } catch (e) {
    if (current.generation === state.generation) showError(current.banner, e.message);
  } finally {
    current.busy = false;
  }
}
function showError(el, message) { el.textContent = message; el.classList.remove('hidden'); }
function hideError(el) { el.textContent = ''; el.classList.add('hidden'); }

/** A page's title row: breadcrumbs, the title (or {title, subtitle}) and what goes beside it (buttons, badges). */
function pageHead(title, crumbs, ...extra) {
  const trail = (crumbs || []).map(([label, href]) => [h('a', { href }, label), ' / ']);
  const t = typeof title === 'string' ? { title } : title;
  return h('div', { class: 'page-head' },
    h('div', null, crumbs && crumbs.length ? h('div', { class: 'crumbs' }, trail) : null, h('h1', null, t.title),
      t.subtitle || null),
    h('div', { class: 'spacer' }), extra);
}
function panel(title, ...children) {
  return h('section', { class: 'panel' }, title ? h('h2', null, title) : null, children);
}
function card(label, value, sub, extra) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value),
    h('div', { class: 'sub' }, sub || ''), extra || null);
}

function start() {
  window.addEventListener('hashchange', navigate);
  const toggle = document.getElementById('auto-refresh');
  setInterval(() => {
    if (!toggle.checked || document.hidden || !state.current || state.current.view.auto === false) return;
    refreshCurrent();
  }, REFRESH_MS);
  api('/api/broker').then((b) => {
    document.getElementById('broker-version').textContent = 'Spool ' + b.version;
  }).catch(() => {});
  navigate();
}
"""#
}
