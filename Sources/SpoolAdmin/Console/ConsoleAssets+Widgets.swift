extension ConsoleAssets {
    /// Sortable tables, record bytes, sparklines, the Prometheus text parser and small form helpers.
    static let scriptWidgets = #"""
/**
 * A table sorted by clicking a header (again to reverse). The sort is kept per table id across refreshes.
 * columns: [{key, label, num, mono, value(row) -> sort key, cell(row) -> Node|string, cls(row)}]
 */
function sortableTable(id, columns, rows, options) {
  const o = options || {};
  const wrap = h('div', { class: 'table-wrap', 'data-table': id });
  if (!state.sort[id] && o.sort) state.sort[id] = { key: o.sort, dir: o.dir || 1 };
  const valueOf = (col, row) => col.value ? col.value(row) : row[col.key];
  const draw = () => {
    const sort = state.sort[id];
    const sorted = rows.slice();
    const col = sort && columns.find((c) => c.key === sort.key);
    if (col) sorted.sort((a, b) => compareValues(valueOf(col, a), valueOf(col, b)) * sort.dir);
    const head = h('tr', null, columns.map((c) => {
      const on = sort && sort.key === c.key;
      return h('th', {
        class: (c.num ? 'num ' : '') + (c.sort === false ? '' : 'sortable'), 'data-key': c.key,
        'aria-sort': on ? (sort.dir > 0 ? 'ascending' : 'descending') : null, title: c.title || null,
        onclick: c.sort === false ? null : () => {
          const now = state.sort[id];
          state.sort[id] = { key: c.key, dir: now && now.key === c.key ? -now.dir : 1 };
          draw();
        },
      }, c.label, h('span', { class: 'arrow' }, on ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''));
    }));
    const body = sorted.length ? sorted.map((row) => h('tr', {
      class: o.rowClass ? o.rowClass(row) : null, 'data-id': o.rowId ? o.rowId(row) : null,
    }, columns.map((c) => h('td', {
      class: [c.num ? 'num' : '', c.mono ? 'mono' : '', c.cls ? c.cls(row) : ''].join(' ').trim() || null,
      'data-key': c.key,
    }, c.cell ? c.cell(row) : fmtCell(valueOf(c, row), c))))) :
      h('tr', null, h('td', { class: 'empty', colspan: columns.length }, o.empty || 'Nothing to show.'));
    fill(wrap, h('table', null, h('thead', null, head), h('tbody', null, body)));
  };
  draw();
  return wrap;
}
function compareValues(a, b) {
  if (a == null && b == null) return 0;
  if (a == null) return 1;
  if (b == null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}
function fmtCell(v, col) { return v == null ? '–' : col.num && typeof v === 'number' ? fmt.int(v) : String(v); }

/** Record bytes from the API ({encoding: 'utf8'|'base64', data, size} or null): text, or hex / base64. */
function bytesView(b) {
  if (b == null) return h('span', { class: 'null' }, 'null');
  if (b.encoding === 'utf8') {
    if (b.data === '') return h('span', { class: 'null' }, 'empty');
    return h('span', { class: 'bytes', title: b.size + ' bytes, UTF-8' }, h('span', { class: 'data' }, b.data),
      b.truncated ? h('span', { class: 'muted' }, ' … (' + fmt.int(b.size) + ' bytes)') : null);
  }
  const bytes = base64Bytes(b.data);
  const asHex = state.binaryAs !== 'base64';
  return h('span', { class: 'bytes binary', title: b.size + ' bytes, not UTF-8' },
    h('span', { class: 'enc' }, asHex ? 'hex' : 'base64'), h('span', { class: 'data' }, asHex ? hexOf(bytes) : b.data),
    b.truncated ? h('span', { class: 'muted' }, ' … (' + fmt.int(b.size) + ' bytes)') : null);
}
function base64Bytes(text) {
  const raw = atob(text || '');
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
function hexOf(bytes) { return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(' '); }

/** A small line chart of `values` (oldest first); nulls are gaps in time, drawn as 0. */
function sparkline(values, label) {
  if (values.every((v) => v == null) && values.length > 1) return h('div', { class: 'spark-empty' }, 'no data');
  const points = values.map((v) => v == null ? 0 : v);
  if (points.length < 2) return h('div', { class: 'spark-empty' }, 'the chart fills in as samples arrive');
  const svg = svgEl('svg', { class: 'spark', viewBox: '0 0 120 36', preserveAspectRatio: 'none', role: 'img',
    'aria-label': label || 'trend' });
  const max = Math.max(...points, 1e-9), n = points.length;
  const xy = points.map((v, i) => [(i / (n - 1)) * 120, 34 - (v / max) * 30]);
  const line = xy.map(([x, y], i) => (i ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1)).join(' ');
  svg.append(svgEl('path', { class: 'area', d: line + ' L120 36 L0 36 Z' }));
  svg.append(svgEl('path', { class: 'line', d: line, 'vector-effect': 'non-scaling-stroke' }));
  return svg;
}

/**
 * Prometheus text format 0.0.4: a Map from series name to [{labels, value}]. Comments, HELP and TYPE lines
 * are skipped; histogram and summary series keep their _bucket/_sum/_count names.
 */
function parseMetrics(text) {
  const families = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line[0] === '#') continue;
    let i = 0;
    while (i < line.length && /[A-Za-z0-9_:]/.test(line[i])) i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (i < line.length && line[i] !== '}') {
        const eq = line.indexOf('=', i);
        if (eq < 0) break;
        const key = line.slice(i, eq).trim().replace(/^,/, '').trim();
        let j = eq + 2, value = '';
        while (j < line.length && line[j] !== '"') {
          if (line[j] === '\\' && j + 1 < line.length) {
            j++;
            value += line[j] === 'n' ? '\n' : line[j];
          } else value += line[j];
          j++;
        }
        labels[key] = value;
        i = j + 1;
        while (line[i] === ',' || line[i] === ' ') i++;
      }
      i++;
    }
    const parts = line.slice(i).trim().split(/\s+/);
    const value = parts[0] === '+Inf' ? Infinity : parts[0] === '-Inf' ? -Infinity : parseFloat(parts[0]);
    if (!name || Number.isNaN(value) && parts[0] !== 'NaN') continue;
    if (!families.has(name)) families.set(name, []);
    families.get(name).push({ labels, value });
  }
  return families;
}
/** The sum of a family's series (optionally those `where` accepts), or null when the family is missing. */
function metricSum(families, name, where) {
  const series = families.get(name);
  if (!series) return null;
  return series.filter((s) => !where || where(s.labels)).reduce((a, s) => a + s.value, 0);
}
/** The first family of `names` that is present, summed. */
function firstMetric(families, ...names) {
  for (const n of names) { const v = metricSum(families, n); if (v != null) return v; }
  return null;
}
/** A family's series summed by one label: {labelValue: sum}, or null when missing. */
function metricBy(families, name, label) {
  const series = families.get(name);
  if (!series) return null;
  const out = {};
  for (const s of series) out[s.labels[label]] = (out[s.labels[label]] || 0) + s.value;
  return out;
}

/** A labelled form field. */
function field(label, input, help) {
  return h('label', { class: 'field' }, label, input, help ? h('span', { class: 'help' }, help) : null);
}
/** Runs an action from a form: disables the button, shows the API's error in `out`, or `done`'s answer. */
async function act(button, out, action) {
  button.disabled = true;
  out.className = 'hidden';
  try {
    const message = await action();
    if (message) { out.className = 'notice'; fill(out, message); }
  } catch (e) {
    out.className = 'error';
    fill(out, e.message);
  } finally {
    button.disabled = false;
  }
}
/** A delete button that asks for the name to be typed before it deletes. */
function deleteButton(kind, name, onDelete) {
  const box = h('div', { class: 'confirm hidden' });
  const out = h('div', { class: 'hidden' });
  const typed = h('input', { class: 'wide', placeholder: name, 'aria-label': 'Type the name to confirm' });
  const go = h('button', { class: 'danger solid', type: 'button', disabled: true }, 'Delete ' + kind);
  typed.addEventListener('input', () => { go.disabled = typed.value !== name; });
  go.addEventListener('click', () => act(go, out, onDelete));
  fill(box, h('span', null, 'Type ', h('code', null, name), ' to delete this ' + kind + ' for good:'), typed, go,
    h('button', { type: 'button', onclick: () => box.classList.add('hidden') }, 'Cancel'));
  const open = h('button', {
    class: 'danger', type: 'button', onclick: () => { box.classList.remove('hidden'); typed.focus(); },
  }, 'Delete…');
  return { button: open, box: h('div', null, box, out) };
}
"""#
}
