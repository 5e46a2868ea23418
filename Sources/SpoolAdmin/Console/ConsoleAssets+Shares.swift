extension ConsoleAssets {
    /// Share groups (queues): the list, and a group's records per partition (available, acquired,
    /// acknowledged, archived, dead-lettered, the oldest available record's age), its dead-letter topic (linked
    /// to the record browser), members and configs.
    static let scriptShareGroups = #"""
route(/^\/share-groups$/, 'share-groups', (main) => groupList(main, {
  title: 'Share groups', path: '/api/share-groups', link: '#/share-groups/', table: 'share-groups',
  lagLabel: 'Available', empty: 'No share group yet: a KIP-932 consumer makes one.',
  summarize: (d) => ({ members: d.members.length, deadLetterTopic: d.deadLetterTopic,
    totalLag: d.partitions.reduce((a, p) => a + (p.available || 0), 0),
    deadLettered: d.partitions.reduce((a, p) => a + (p.deadLettered || 0), 0) }),
  columns: [
    { key: 'deadLettered', label: 'Dead-lettered', num: true, cell: (g) => g.deadLettered == null ? '–' :
      g.deadLettered ? h('span', { class: 'lag-some' }, fmt.int(g.deadLettered)) : '0' },
    { key: 'deadLetterTopic', label: 'Dead-letter topic', cell: (g) => g.deadLetterTopic ?
      h('a', { href: '#/records/' + enc(g.deadLetterTopic) + '?from=latest' }, g.deadLetterTopic) :
      h('span', { class: 'null' }, 'none') },
  ],
}));

route(/^\/share-groups\/([^/]+)$/, 'share-groups', (main, [name]) => {
  const badge = h('span');
  const cards = h('div', { class: 'grid' });
  const dltText = h('div');
  const dlt = h('section', { class: 'panel hidden' },
    h('div', { class: 'panel-head' }, dltText, redriveButton(name)));
  const parts = h('div');
  const members = h('div');
  const configs = h('div');
  main.append(pageHead(name, [['Share groups', '#/share-groups']], badge), cards, dlt,
    h('section', { class: 'panel' }, h('h2', null, 'Records per partition'), parts),
    h('section', { class: 'panel' }, h('h2', null, 'Members'), members),
    h('section', { class: 'panel' }, h('h2', null, 'Configs'), configs));
  return {
    detail: true,
    async refresh() {
      const g = await api('/api/share-groups/' + enc(name));
      fill(badge, stateBadge(g.state));
      const sum = (k) => g.partitions.reduce((a, p) => a + (p[k] || 0), 0);
      const oldest = Math.max(0, ...g.partitions.map((p) => p.oldestAvailableAgeMs || 0));
      const dead = sum('deadLettered');
      const waiting = oldest ? 'oldest waiting ' + fmt.duration(oldest / 1000) : 'none waiting';
      fill(cards, card('Available', fmt.int(sum('available')), waiting),
        card('Acquired', fmt.int(sum('acquired')), 'in flight with consumers'),
        card('Acknowledged', fmt.int(sum('acknowledged'))), card('Archived', fmt.int(sum('archived'))),
        card('Dead-lettered', dead ? h('span', { class: 'lag-some' }, fmt.int(dead)) : '0',
          g.deadLetterTopic ? 'to ' + g.deadLetterTopic : 'no dead-letter topic'),
        card('Members', fmt.int(g.members.length)));
      dlt.classList.toggle('hidden', !g.deadLetterTopic);
      if (g.deadLetterTopic) fill(dltText, h('span', null, 'Dead letters go to ',
        h('a', { href: '#/topics/' + enc(g.deadLetterTopic) }, h('code', null, g.deadLetterTopic)), ' · ',
        h('a', { href: '#/records/' + enc(g.deadLetterTopic) + '?from=latest', id: 'dead-letter-link' },
          'browse the dead letters')));
      fill(parts, sortableTable('share-partitions', [
        { key: 'topic', label: 'Topic', cell: (p) => h('a', { href: '#/topics/' + enc(p.topic) }, p.topic) },
        { key: 'partition', label: 'Partition', num: true },
        { key: 'startOffset', label: 'Share start', num: true, cell: (p) => String(p.startOffset),
          title: 'The share-partition start offset' },
        { key: 'logEndOffset', label: 'Log end', num: true, cell: (p) => String(p.logEndOffset) },
        { key: 'available', label: 'Available', num: true, cell: (p) => lagView(p.available, LAG_HIGH) },
        { key: 'acquired', label: 'Acquired', num: true },
        { key: 'acknowledged', label: 'Acknowledged', num: true },
        { key: 'archived', label: 'Archived', num: true },
        { key: 'deadLettered', label: 'Dead-lettered', num: true, cell: (p) => p.deadLettered ?
          h('span', { class: 'lag-some' }, fmt.int(p.deadLettered)) : '0' },
        { key: 'oldestAvailableAgeMs', label: 'Oldest available', num: true,
          cell: (p) => p.oldestAvailableAgeMs == null || !p.available ? '–' :
          h('a', {
            href: '#/records/' + enc(p.topic) + '?partition=' + p.partition + '&offset=' + p.firstAvailableOffset,
            title: 'Browse from offset ' + p.firstAvailableOffset }, fmt.duration(p.oldestAvailableAgeMs / 1000)) },
      ], g.partitions, { sort: 'topic', rowId: (p) => p.topic + '/' + p.partition,
        empty: 'The group has read no partition yet.' }));
      fill(members, memberTable('share-members', g.members));
      fill(configs, sortableTable('share-configs', [
        { key: 'name', label: 'Name', mono: true },
        { key: 'value', label: 'Value', mono: true },
        { key: 'source', label: 'Source', cell: (c) => h('span', { class: 'badge' +
          (/DYNAMIC/.test(c.source || '') ? ' info' : '') }, sourceName(c.source)) },
      ], g.configs, { sort: 'name', empty: 'Defaults only.',
        rowClass: (c) => /DYNAMIC/.test(c.source || '') ? 'changed' : null }));
    },
  };
});

/** Redrive: the group's dead letters go back to their topics to be delivered again, after a confirmation. */
function redriveButton(name) {
  const out = h('div', { class: 'hidden' });
  const go = h('button', { class: 'primary', type: 'button', id: 'redrive-confirm' }, 'Redrive');
  const box = h('div', { class: 'confirm hidden' }, 'Append this group\'s dead letters to the topics they came ' +
    'from, to be delivered again (at least once)?', go,
  h('button', { type: 'button', onclick: () => box.classList.add('hidden') }, 'Cancel'));
  go.addEventListener('click', () => act(go, out, async () => {
    const answer = await api('/api/share-groups/' + enc(name) + '/redrive', { method: 'POST', body: {} });
    box.classList.add('hidden');
    refreshCurrent();
    return 'Moved ' + fmt.int(answer.moved) + (answer.moved === 1 ? ' dead letter' : ' dead letters') + ' back.';
  }));
  const open = h('button', { type: 'button', id: 'redrive', onclick: () => box.classList.remove('hidden') },
    'Redrive dead letters…');
  return h('div', null, open, box, out);
}
"""#

    /// The effective configuration: every setting with its value and default, changed ones highlighted, and a
    /// filter over names, values and help.
    static let scriptConfig = #"""
route(/^\/config$/, 'config', (main) => {
  const filter = h('input', { type: 'search', class: 'wide', placeholder: 'Filter settings', id: 'config-filter',
    'aria-label': 'Filter settings' });
  const changedOnly = h('input', { type: 'checkbox', id: 'config-changed' });
  const list = h('div');
  const count = h('span', { class: 'badge' });
  let settings = [];
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const rows = settings.filter((s) => (!changedOnly.checked || s.changed) && (!q ||
      [s.key, s.value, s.defaultValue, s.help].some((x) => x != null && String(x).toLowerCase().includes(q))));
    fill(count, settings.filter((s) => s.changed).length + ' changed of ' + settings.length);
    fill(list, sortableTable('config', [
      { key: 'key', label: 'Setting', mono: true, cell: (s) => h('div', null, h('code', null, s.key),
        s.help ? h('div', { class: 'help' }, s.help) : null) },
      { key: 'value', label: 'Value', mono: true,
        cell: (s) => s.changed ? h('strong', null, settingText(s.value)) : settingText(s.value) },
      { key: 'defaultValue', label: 'Default', mono: true, cell: (s) => settingText(s.defaultValue) },
      { key: 'changed', label: 'Changed', value: (s) => s.changed ? 0 : 1,
        cell: (s) => s.changed ? h('span', { class: 'badge info' }, 'changed') : '' },
    ], rows, { sort: 'key', rowClass: (s) => s.changed ? 'changed' : null, rowId: (s) => s.key,
      empty: settings.length ? 'No setting matches the filter.' : 'No settings.' }));
  };
  filter.addEventListener('input', draw);
  changedOnly.addEventListener('change', draw);
  main.append(pageHead('Configuration', null, count), h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('div', { class: 'toolbar' }, filter,
      h('label', { class: 'refresh-toggle' }, changedOnly, 'Changed only')),
      h('span', { class: 'muted' }, 'Effective settings of this broker: spool.yaml, SPOOL_* variables and flags.')),
    list));
  return { async refresh() { settings = await api('/api/config'); draw(); } };
});
function settingText(v) { return v == null || v === '' ? h('span', { class: 'null' }, 'empty') : String(v); }
"""#
}
