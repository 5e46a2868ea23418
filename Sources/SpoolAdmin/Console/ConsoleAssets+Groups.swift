extension ConsoleAssets {
    /// Consumer groups: the list with total lag, and a group's lag per partition (lag above 0 in amber, large
    /// lag in red), members with their assignments, offset resets (a dry run first, then execute) and deletion.
    static let scriptGroups = #"""
const LAG_HIGH = 1000;

route(/^\/groups$/, 'groups', (main) => groupList(main, {
  title: 'Consumer groups', path: '/api/groups', link: '#/groups/', table: 'groups', lagLabel: 'Total lag',
  empty: 'No consumer group has committed offsets yet.',
  summarize: (d) => ({ members: d.members.length, totalLag: d.totalLag }),
}));

/**
 * A list of groups. The list API answers names and states only; members and lag come from each group's own
 * answer, asked for the first GROUP_DETAILS_MAX groups, a few at a time, so a refresh stays cheap.
 */
const GROUP_DETAILS_MAX = 100;
function groupList(main, kind) {
  const list = h('div');
  const count = h('span', { class: 'badge' });
  main.append(pageHead(kind.title, null, count), h('section', { class: 'panel' }, list));
  return {
    async refresh() {
      const groups = await api(kind.path);
      const detailed = groups.slice(0, GROUP_DETAILS_MAX);
      const details = await mapLimited(detailed, 6, (g) => g.totalLag != null ? null :
        api(kind.path + '/' + enc(g.group)).catch(() => null));
      const rows = groups.map((g, i) => ({ ...g, ...(details[i] ? kind.summarize(details[i]) : {}) }));
      fill(count, groups.length + (groups.length === 1 ? ' group' : ' groups'));
      fill(list, sortableTable(kind.table, [
        { key: 'group', label: 'Group', cell: (g) => h('a', { href: kind.link + enc(g.group) }, g.group) },
        { key: 'state', label: 'State', cell: (g) => stateBadge(g.state) },
        { key: 'members', label: 'Members', num: true },
        { key: 'totalLag', label: kind.lagLabel, num: true,
          cell: (g) => g.totalLag == null ? '–' : lagView(g.totalLag, LAG_HIGH) },
        ...(kind.columns || []),
      ], rows, { sort: 'group', rowId: (g) => g.group, empty: kind.empty }));
    },
  };
}
/** `f` over `items` with at most `limit` calls in flight; answers in the items' order. */
async function mapLimited(items, limit, f) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; out[i] = await f(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

route(/^\/groups\/([^/]+)$/, 'groups', (main, [name]) => {
  const badge = h('span');
  const cards = h('div', { class: 'grid' });
  const lag = h('div');
  const members = h('div');
  const del = deleteButton('group', name, async () => {
    await api('/api/groups/' + enc(name), { method: 'DELETE' });
    location.hash = '#/groups';
  });
  const reset = resetOffsetsForm(name);
  main.append(pageHead(name, [['Consumer groups', '#/groups']], badge, del.button), del.box, cards,
    h('section', { class: 'panel' }, h('h2', null, 'Lag per partition'), lag),
    h('section', { class: 'panel' }, h('h2', null, 'Members'), members),
    reset.el);
  return {
    detail: true,
    async refresh() {
      const group = await api('/api/groups/' + enc(name));
      reset.update(group);
      fill(badge, stateBadge(group.state));
      const behind = group.partitions.filter((p) => p.lag > 0).length;
      const assignor = group.assignor && group.assignor !== '-' ? 'assignor ' + group.assignor : '';
      fill(cards,
        card('Total lag', lagView(group.totalLag, LAG_HIGH),
          behind + ' of ' + group.partitions.length + ' partitions behind'),
        card('Members', fmt.int(group.members.length), assignor),
        card('Topics', fmt.int(new Set(group.partitions.map((p) => p.topic)).size)));
      fill(lag, sortableTable('group-lag', [
        { key: 'topic', label: 'Topic', cell: (p) => h('a', { href: '#/topics/' + enc(p.topic) }, p.topic) },
        { key: 'partition', label: 'Partition', num: true },
        { key: 'committedOffset', label: 'Committed offset', num: true, cell: (p) => p.committedOffset == null ?
          h('span', { class: 'null' }, 'none') : h('a', { title: 'Browse from the committed offset',
            href: '#/records/' + enc(p.topic) + '?partition=' + p.partition + '&offset=' + p.committedOffset },
          String(p.committedOffset)) },
        { key: 'endOffset', label: 'Log end offset', num: true, cell: (p) => String(p.endOffset) },
        { key: 'lag', label: 'Lag', num: true, cell: (p) => lagView(p.lag, LAG_HIGH),
          cls: (p) => p.lag >= LAG_HIGH ? 'lag-cell-high' : '' },
        { key: 'clientId', label: 'Consumer', cell: (p) => !p.memberId ? h('span', { class: 'null' }, 'unassigned') :
          h('span', { title: p.memberId }, p.clientId || p.memberId,
            p.host ? h('span', { class: 'muted' }, ' ' + p.host) : null) },
      ], group.partitions, { sort: 'lag', dir: -1, rowId: (p) => p.topic + '/' + p.partition,
        empty: 'The group has no committed offsets.' }));
      fill(members, memberTable('group-members', group.members));
    },
  };
});

function memberTable(id, members) {
  return sortableTable(id, [
    { key: 'clientId', label: 'Client ID' },
    { key: 'memberId', label: 'Member ID', mono: true },
    { key: 'host', label: 'Host', mono: true },
    { key: 'assignment', label: 'Assigned partitions', value: (m) => m.assignment.length,
      cell: (m) => m.assignment.length ? assignmentText(m.assignment) : h('span', { class: 'null' }, 'none') },
  ], members, { sort: 'clientId', empty: 'No member: the group is empty.' });
}
/** topic-0,1,2 style: partitions grouped by topic. */
function assignmentText(assignment) {
  const by = {};
  for (const a of assignment) (by[a.topic] = by[a.topic] || []).push(a.partition);
  return Object.keys(by).sort().map((t) => t + ' [' + by[t].sort((a, b) => a - b).join(', ') + ']').join('; ');
}

function resetOffsetsForm(name) {
  const topic = h('select', { id: 'reset-topic', 'aria-label': 'Topic' });
  const partitions = h('input', { placeholder: 'all, or 0,2', class: 'narrow', id: 'reset-partitions',
    'aria-label': 'Partitions', title: 'Comma-separated partition numbers; empty for all' });
  const to = h('select', { id: 'reset-to', 'aria-label': 'Reset to' },
    [['earliest', 'the earliest offset'], ['latest', 'the latest offset'], ['offset', 'an offset'],
      ['timestamp', 'a time'], ['shift', 'a shift by N']].map(([v, l]) => h('option', { value: v }, l)));
  const number = h('input', { type: 'number', class: 'narrow', id: 'reset-value', 'aria-label': 'Value' });
  const time = h('input', { type: 'datetime-local', step: 1, id: 'reset-time', 'aria-label': 'Local time' });
  const numberField = field('Value', number), timeField = field('Local time (' + fmt.zone() + ')', time);
  const dry = h('button', { type: 'submit', class: 'primary', id: 'reset-dry-run' }, 'Dry run');
  const run = h('button', { type: 'button', class: 'danger solid', id: 'reset-execute', disabled: true }, 'Execute');
  const out = h('div', { class: 'hidden' });
  const preview = h('div');
  const form = h('form', { class: 'inline', id: 'reset-form' }, field('Topic', topic), field('Partitions', partitions),
    field('Reset to', to), numberField, timeField, dry, run);
  const path = '/api/groups/' + enc(name) + '/reset-offsets';
  let planned = null;
  const showValue = () => {
    numberField.classList.toggle('hidden', to.value !== 'offset' && to.value !== 'shift');
    timeField.classList.toggle('hidden', to.value !== 'timestamp');
  };
  const request = () => {
    const body = { to: to.value };
    if (topic.value) body.topic = topic.value;
    const list = partitions.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length) body.partitions = list.map(Number);
    if (to.value === 'offset' || to.value === 'shift') body.value = Number(number.value);
    if (to.value === 'timestamp') body.value = new Date(time.value).getTime();
    return body;
  };
  const invalidate = () => { planned = null; run.disabled = true; fill(preview); };
  for (const input of [topic, partitions, to, number, time]) input.addEventListener('input', invalidate);
  to.addEventListener('change', showValue);
  let shownTopics = '';
  const update = (g) => {
    // Rebuilt only when the group's topics change, so a refresh never resets what the user picked.
    const names = [...new Set(g.partitions.map((p) => p.topic))].sort();
    if (names.join('\n') === shownTopics) return;
    shownTopics = names.join('\n');
    const chosen = topic.value;
    fill(topic, h('option', { value: '' }, 'every topic'), names.map((t) => h('option', { value: t }, t)));
    topic.value = names.includes(chosen) ? chosen : '';
  };
  fill(topic, h('option', { value: '' }, 'every topic'));
  showValue();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(dry, out, async () => {
      const body = request();
      const answer = await api(path, { method: 'POST', body: { ...body, execute: false } });
      planned = body;
      run.disabled = false;
      fill(preview, resetTable(answer));
      return 'Dry run: nothing changed yet. Check the new offsets below, then Execute.';
    });
  });
  run.addEventListener('click', () => act(run, out, async () => {
    const answer = await api(path, { method: 'POST', body: { ...planned, execute: true } });
    fill(preview, resetTable(answer));
    planned = null;
    run.disabled = true;
    refreshCurrent();
    return 'Executed: ' + answer.partitions.length + ' committed offsets changed.';
  }));
  return { update, el: panel('Reset offsets', h('p', { class: 'help' }, 'Only while the group has no active member. ' +
    'A dry run shows what would change; Execute commits it.'), form, out, preview) };
}
function resetTable(answer) {
  return sortableTable('reset-preview', [
    { key: 'topic', label: 'Topic' },
    { key: 'partition', label: 'Partition', num: true },
    { key: 'currentOffset', label: 'Current offset', num: true,
      cell: (p) => p.currentOffset == null ? 'none' : String(p.currentOffset) },
    { key: 'newOffset', label: 'New offset', num: true, cell: (p) => String(p.newOffset) },
    { key: 'change', label: 'Change', num: true,
      value: (p) => p.currentOffset == null ? null : p.newOffset - p.currentOffset,
      cell: (p) => p.currentOffset == null ? '–' : (p.newOffset >= p.currentOffset ? '+' : '') +
        (p.newOffset - p.currentOffset) },
  ], answer.partitions, { sort: 'topic', empty: 'No partition to reset.' });
}
"""#
}
