extension ConsoleAssets {
    /// Topics: the list with a create form, and a topic's partitions, configs (with their sources), config
    /// changes, partition growth and deletion.
    static let scriptTopics = #"""
route(/^\/topics$/, 'topics', (main) => {
  const filter = h('input', { type: 'search', class: 'wide', placeholder: 'Filter topics',
    'aria-label': 'Filter topics' });
  const list = h('div');
  const count = h('span', { class: 'badge' });
  let latest = [];
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = latest.filter((t) => !q || t.name.toLowerCase().includes(q));
    fill(list, sortableTable('topics', [
      { key: 'name', label: 'Name', cell: (t) => h('a', { href: '#/topics/' + enc(t.name) }, t.name) },
      { key: 'partitions', label: 'Partitions', num: true },
      { key: 'records', label: 'Records', num: true },
      { key: 'sizeBytes', label: 'Size', num: true, cell: (t) => fmt.bytes(t.sizeBytes) },
      { key: 'browse', label: '', sort: false, cell: (t) => h('a', { href: '#/records/' + enc(t.name) }, 'Browse') },
    ], rows, { sort: 'name', rowId: (t) => t.name,
      empty: latest.length ? 'No topic matches the filter.' : 'No topics yet.' }));
  };
  filter.addEventListener('input', draw);
  main.append(pageHead('Topics', null, count),
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, 'All topics'), filter), list),
    createTopicForm());
  return {
    async refresh() {
      latest = await api('/api/topics');
      fill(count, latest.length + (latest.length === 1 ? ' topic' : ' topics'));
      draw();
    },
  };
});

function createTopicForm() {
  const name = h('input', { class: 'wide', required: true, placeholder: 'orders', 'aria-label': 'Topic name',
    id: 'create-name' });
  const partitions = h('input', { type: 'number', min: 1, class: 'narrow', placeholder: 'default',
    id: 'create-partitions' });
  const configs = h('textarea', { placeholder: 'retention.ms=604800000\ncleanup.policy=delete', id: 'create-configs' });
  const out = h('div', { class: 'hidden' });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Create topic');
  const form = h('form', { class: 'inline', id: 'create-topic' },
    field('Name', name), field('Partitions', partitions), field('Configs, one key=value a line', configs), submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(submit, out, async () => {
      const body = { name: name.value.trim() };
      if (partitions.value) body.partitions = Number(partitions.value);
      const parsed = parseKeyValues(configs.value);
      if (Object.keys(parsed).length) body.configs = parsed;
      const topic = await api('/api/topics', { method: 'POST', body });
      location.hash = '#/topics/' + enc(topic.name);
    });
  });
  return panel('Create a topic', form, out);
}
function parseKeyValues(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error('"' + t + '" is not key=value: write one config a line, as retention.ms=86400000.');
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

route(/^\/topics\/([^/]+)$/, 'topics', (main, [name]) => {
  const id = h('div', { class: 'subtitle mono' });
  const del = deleteButton('topic', name, async () => {
    await api('/api/topics/' + enc(name), { method: 'DELETE' });
    location.hash = '#/topics';
  });
  const cards = h('div', { class: 'grid' });
  const parts = h('div');
  const configs = h('div');
  const onlyOverrides = h('input', { type: 'checkbox', id: 'only-overrides' });
  let topic = null;
  const drawConfigs = () => {
    if (!topic) return;
    const rows = topic.configs.filter((c) => !onlyOverrides.checked || c.source === 'DYNAMIC_TOPIC_CONFIG');
    fill(configs, sortableTable('topic-configs', [
      { key: 'name', label: 'Name', mono: true },
      { key: 'value', label: 'Value', mono: true, cell: (c) => c.sensitive ? h('span', { class: 'null' }, 'hidden') :
        c.value == null ? h('span', { class: 'null' }, 'null') : settingText(c.value) },
      { key: 'source', label: 'Source', cell: (c) => h('span', {
        class: 'badge ' + (c.source === 'DYNAMIC_TOPIC_CONFIG' ? 'info' : ''),
      }, sourceName(c.source)) },
      { key: 'readOnly', label: 'Read-only', value: (c) => c.readOnly ? 'yes' : '' },
    ], rows, { sort: 'name', rowId: (c) => c.name,
      rowClass: (c) => c.source === 'DYNAMIC_TOPIC_CONFIG' ? 'changed' : null }));
  };
  onlyOverrides.addEventListener('change', drawConfigs);
  main.append(
    pageHead({ title: name, subtitle: id }, [['Topics', '#/topics']],
      h('a', { href: '#/records/' + enc(name), class: 'button' }, 'Browse records'), del.button),
    del.box, cards,
    h('section', { class: 'panel' }, h('h2', null, 'Partitions'), parts),
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', null, 'Configs'),
      h('label', { class: 'refresh-toggle' }, onlyOverrides, 'Only this topic\'s overrides')), configs),
    h('div', { class: 'two' }, alterConfigForm(name, () => topic), addPartitionsForm(name, () => topic)));
  return {
    detail: true,
    async refresh() {
      topic = await api('/api/topics/' + enc(name));
      fill(id, 'topic ID ' + topic.topicId);
      const sum = (k) => topic.partitions.reduce((a, p) => a + (p[k] || 0), 0);
      const compacted = topic.partitions.some((p) => p.cleaner);
      const reclaimed = topic.partitions.reduce((a, p) => a + (p.cleaner ? p.cleaner.bytesReclaimed : 0), 0);
      fill(cards, card('Partitions', fmt.int(topic.partitions.length)),
        card(compacted ? 'Offsets' : 'Records', fmt.int(sum('records'))),
        card('Size', fmt.bytes(sum('sizeBytes'))), card('Segments', fmt.int(sum('segments'))),
        compacted ? card('Reclaimed by compaction', fmt.bytes(reclaimed)) : null);
      const cleanerColumns = compacted ? [
        { key: 'firstDirty', label: 'Cleaned up to', num: true, value: (p) => p.cleaner ? p.cleaner.firstDirtyOffset : -1,
          cell: (p) => p.cleaner ? String(p.cleaner.firstDirtyOffset) : '' },
        { key: 'dirty', label: 'Dirty', num: true, value: (p) => p.cleaner ? p.cleaner.dirtyRatio : -1,
          cell: (p) => p.cleaner ? (p.cleaner.uncleanable ? 'uncleanable' : Math.round(p.cleaner.dirtyRatio * 100) + ' %') : '' },
        { key: 'reclaimed', label: 'Reclaimed', num: true, value: (p) => p.cleaner ? p.cleaner.bytesReclaimed : 0,
          cell: (p) => p.cleaner ? fmt.bytes(p.cleaner.bytesReclaimed) : '' },
      ] : [];
      fill(parts, sortableTable('topic-partitions', [
        { key: 'partition', label: 'Partition', num: true },
        { key: 'logStartOffset', label: 'Log start offset', num: true, cell: (p) => String(p.logStartOffset) },
        { key: 'logEndOffset', label: 'Log end offset', num: true, cell: (p) => String(p.logEndOffset) },
        { key: 'records', label: compacted ? 'Offsets' : 'Records', num: true },
        { key: 'sizeBytes', label: 'Size', num: true, cell: (p) => fmt.bytes(p.sizeBytes) },
        { key: 'segments', label: 'Segments', num: true },
        ...cleanerColumns,
        { key: 'browse', label: '', sort: false,
          cell: (p) => h('a', { href: '#/records/' + enc(name) + '?partition=' + p.partition }, 'Browse') },
      ], topic.partitions, { sort: 'partition', rowId: (p) => String(p.partition) }));
      drawConfigs();
    },
  };
});
function sourceName(source) {
  return ({ DYNAMIC_TOPIC_CONFIG: 'topic override', DEFAULT_CONFIG: 'default', STATIC_BROKER_CONFIG: 'broker setting',
    DYNAMIC_BROKER_CONFIG: 'broker (dynamic)', DYNAMIC_DEFAULT_BROKER_CONFIG: 'broker default (dynamic)',
    DYNAMIC_BROKER_LOGGER_CONFIG: 'logger', DYNAMIC_GROUP_CONFIG: 'group config', GROUP_CONFIG: 'group config',
  })[source] || source || 'unknown';
}

function alterConfigForm(name, current) {
  const key = h('input', { class: 'wide', list: 'config-names', placeholder: 'retention.ms',
    'aria-label': 'Config name', id: 'alter-key' });
  const names = h('datalist', { id: 'config-names' });
  key.addEventListener('focus', () => {
    const t = current();
    if (t) fill(names, t.configs.filter((c) => !c.readOnly).map((c) => h('option', { value: c.name })));
  });
  const value = h('input', { class: 'wide', placeholder: 'value', 'aria-label': 'Config value', id: 'alter-value' });
  const out = h('div', { class: 'hidden' });
  const set = h('button', { class: 'primary', type: 'submit' }, 'Set');
  const remove = h('button', { type: 'button', title: 'Remove the override: the default applies again' },
    'Remove override');
  const form = h('form', { class: 'inline' }, field('Config', key), names, field('Value', value), set, remove);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(set, out, async () => {
      const set = { [key.value.trim()]: value.value };
      await api('/api/topics/' + enc(name) + '/configs', { method: 'PATCH', body: { set } });
      refreshCurrent();
      return key.value.trim() + ' is now ' + value.value + '.';
    });
  });
  remove.addEventListener('click', () => act(remove, out, async () => {
    await api('/api/topics/' + enc(name) + '/configs', { method: 'PATCH', body: { delete: [key.value.trim()] } });
    refreshCurrent();
    return key.value.trim() + ' is back to its default.';
  }));
  return panel('Change a config', form, out);
}

function addPartitionsForm(name, current) {
  const count = h('input', { type: 'number', min: 1, class: 'narrow', 'aria-label': 'Partition count' });
  const out = h('div', { class: 'hidden' });
  const grow = h('button', { class: 'primary', type: 'submit' }, 'Add partitions');
  const form = h('form', { class: 'inline' }, field('Partitions in all', count,
    'More only: records are not moved, so keys may map to other partitions.'), grow);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(grow, out, async () => {
      const body = { count: Number(count.value) };
      const t = await api('/api/topics/' + enc(name) + '/partitions', { method: 'POST', body });
      refreshCurrent();
      return name + ' has ' + t.partitions.length + ' partitions.';
    });
  });
  return panel('Grow', form, out);
}
"""#
}
