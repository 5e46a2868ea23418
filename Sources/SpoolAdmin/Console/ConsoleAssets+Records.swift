extension ConsoleAssets {
    /// The record browser: a partition read from an offset or from a local date-time, with keys, values and
    /// headers as text when they are UTF-8 and as hex (or base64) when they are not. The query is kept in the
    /// URL, so a view can be bookmarked; it does not auto-refresh, as a read is a question asked once.
    static let scriptRecords = #"""
route(/^\/records(?:\/([^/]+))?$/, 'records', (main, [topicArg], params) => {
  const topic = h('select', { id: 'records-topic', 'aria-label': 'Topic' });
  const partition = h('select', { id: 'records-partition', 'aria-label': 'Partition' });
  const mode = h('select', { id: 'records-mode', 'aria-label': 'Start from' },
    h('option', { value: 'earliest' }, 'the earliest'), h('option', { value: 'latest' }, 'the latest'),
    h('option', { value: 'offset' }, 'an offset'), h('option', { value: 'time' }, 'a time'));
  const offset = h('input', { type: 'number', min: 0, class: 'narrow', id: 'records-offset', 'aria-label': 'Offset' });
  const time = h('input', { type: 'datetime-local', step: 1, id: 'records-time', 'aria-label': 'Local time' });
  const limit = h('input', { type: 'number', min: 1, max: 500, value: params.get('limit') || '50', class: 'narrow',
    id: 'records-limit', 'aria-label': 'Limit' });
  const submit = h('button', { class: 'primary', type: 'submit', id: 'records-fetch' }, 'Read');
  const toggle = h('div', { class: 'seg', role: 'group', 'aria-label': 'Show binary as' },
    ['hex', 'base64'].map((k) => h('button', {
      type: 'button', 'data-binary': k, class: state.binaryAs === k ? 'on' : '',
      onclick: () => {
        state.binaryAs = k;
        for (const b of toggle.children) b.classList.toggle('on', b.dataset.binary === k);
        draw();
      },
    }, k)));
  const offsetField = field('Offset', offset), timeField = field('Local time (' + fmt.zone() + ')', time);
  const form = h('form', { class: 'inline', id: 'records-form' }, field('Topic', topic), field('Partition', partition),
    field('Start from', mode), offsetField, timeField, field('Limit', limit), submit, h('div', { class: 'spacer' }),
    field('Binary as', toggle));
  const summary = h('div', { class: 'muted' });
  const paging = h('div', { class: 'toolbar' });
  const results = h('div');
  main.append(pageHead('Record browser', null), panel(null, form),
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, summary, paging), results));
  let answer = null, partitions = [];

  const showMode = () => {
    offsetField.classList.toggle('hidden', mode.value !== 'offset');
    timeField.classList.toggle('hidden', mode.value !== 'time');
  };
  mode.addEventListener('change', showMode);
  if (params.get('offset') != null) { mode.value = 'offset'; offset.value = params.get('offset'); }
  else if (params.get('timestamp') != null) {
    mode.value = 'time';
    time.value = localInput(Number(params.get('timestamp')));
  }
  else if (params.get('from') === 'latest') mode.value = 'latest';
  showMode();

  const loadPartitions = async () => {
    if (!topic.value) { fill(partition); return; }
    const t = await api('/api/topics/' + enc(topic.value));
    partitions = t.partitions;
    const wanted = params.get('partition') || partition.value || '0';
    fill(partition, t.partitions.map((p) => h('option', { value: p.partition }, String(p.partition))));
    if (t.partitions.some((p) => String(p.partition) === wanted)) partition.value = wanted;
  };
  topic.addEventListener('change', () => { params.delete('partition'); loadPartitions().then(read).catch(fail); });
  partition.addEventListener('change', () => read().catch(fail));
  const fail = (e) => showError(document.getElementById('page-error'), e.message);

  const draw = () => {
    if (!answer) { fill(results, h('p', { class: 'muted' }, 'Pick a topic to read its records.')); return; }
    fill(results, sortableTable('records', [
      { key: 'offset', label: 'Offset', num: true, cell: (r) => String(r.offset) },
      { key: 'timestampMs', label: 'Time (' + fmt.zone() + ')', mono: true, cell: (r) => fmt.time(r.timestampMs) },
      { key: 'key', label: 'Key', value: (r) => r.key && r.key.data, cell: (r) => bytesView(r.key) },
      { key: 'value', label: 'Value', value: (r) => r.value && r.value.data, cell: (r) => bytesView(r.value) },
      { key: 'headers', label: 'Headers', value: (r) => r.headers.length, cell: (r) => r.headers.length ?
        h('ul', { class: 'headers' }, r.headers.map((x) => h('li', null, h('span', { class: 'hkey' }, x.key + ':'),
          bytesView(x.value)))) :
        h('span', { class: 'null' }, 'none') },
      { key: 'size', label: 'Size', num: true, value: (r) => (r.key ? r.key.size : 0) + (r.value ? r.value.size : 0),
        cell: (r) => fmt.bytes((r.key ? r.key.size : 0) + (r.value ? r.value.size : 0)) },
    ], answer.records, { sort: 'offset', rowId: (r) => r.offset,
      empty: 'No records from here: the partition holds offsets ' + answer.logStartOffset + ' to ' +
        (answer.logEndOffset - 1) + '.' }));
  };

  async function read(start) {
    if (!topic.value || partition.value === '') return;
    const n = Math.min(500, Math.max(1, Number(limit.value) || 50));
    const q = new URLSearchParams({ partition: partition.value, limit: String(n) });
    const path = '/api/topics/' + enc(topic.value) + '/partitions/' + partition.value + '/records';
    const ask = new URLSearchParams({ limit: String(n) });
    if (start != null) { ask.set('offset', start); q.set('offset', start); }
    else if (mode.value === 'offset' && offset.value !== '') {
      ask.set('offset', offset.value);
      q.set('offset', offset.value);
    }
    else if (mode.value === 'time' && time.value) {
      const ms = new Date(time.value).getTime();
      ask.set('timestamp', ms); q.set('timestamp', ms);
    } else if (mode.value === 'latest') {
      const p = partitions.find((x) => String(x.partition) === partition.value);
      const from = p ? Math.max(p.logStartOffset, p.logEndOffset - n) : 0;
      ask.set('offset', from); q.set('from', 'latest');
    }
    answer = await api(path + '?' + ask.toString());
    window.history.replaceState(null, '', '#/records/' + enc(topic.value) + '?' + q.toString());
    fill(summary, 'Partition ' + answer.partition + ' holds offsets ' + answer.logStartOffset + ' to ' +
      (answer.logEndOffset - 1) + ' · showing ' + answer.records.length +
      (answer.records.length === 1 ? ' record' : ' records'));
    const first = answer.records.length ? answer.records[0].offset : answer.nextOffset;
    fill(paging,
      h('button', { type: 'button', disabled: first <= answer.logStartOffset,
        onclick: () => read(Math.max(answer.logStartOffset, first - n)).catch(fail) }, '← Older'),
      h('button', { type: 'button', disabled: answer.nextOffset >= answer.logEndOffset,
        onclick: () => read(answer.nextOffset).catch(fail) }, 'Newer →'));
    draw();
    hideError(document.getElementById('page-error'));
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); read().catch(fail); });

  return {
    auto: false,
    async refresh() {
      const topics = await api('/api/topics');
      fill(topic, h('option', { value: '' }, 'Pick a topic'),
        topics.map((t) => h('option', { value: t.name }, t.name)));
      if (topicArg && topics.some((t) => t.name === topicArg)) topic.value = topicArg;
      else if (topicArg) throw new ApiError(404, 'There is no topic "' + topicArg + '".');
      await loadPartitions();
      if (topic.value) await read(); else draw();
    },
  };
});
/** A time as a datetime-local input's value, in the browser's time zone. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}
"""#
}
