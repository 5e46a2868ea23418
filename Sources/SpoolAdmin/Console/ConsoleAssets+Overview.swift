extension ConsoleAssets {
    /// The overview: throughput, records, connections, disk and memory from `/metrics` (rates computed here
    /// from counters between two scrapes), with sparklines of the last samples, and the broker from
    /// `/api/broker`. A family that `/metrics` does not export shows a dash, not an error.
    static let scriptOverview = #"""
const SAMPLES_KEPT = 60;
const samples = { list: [] };

/** Scrapes /metrics once and keeps the sample (counters, gauges and per-topic counters). */
async function sampleMetrics() {
  const m = parseMetrics(await metricsText());
  const sample = {
    t: Date.now(),
    bytesIn: firstMetric(m, 'spool_bytes_in_total', 'spool_topic_produced_bytes_total'),
    bytesOut: firstMetric(m, 'spool_bytes_out_total', 'spool_topic_fetched_bytes_total'),
    recordsIn: metricSum(m, 'spool_topic_produced_records_total'),
    requests: metricSum(m, 'spool_requests_total'),
    connections: metricSum(m, 'spool_connections_open'),
    logBytes: metricSum(m, 'spool_topic_size_bytes'),
    rss: metricSum(m, 'process_resident_memory_bytes'),
    fds: metricSum(m, 'process_open_fds'),
    maxFds: metricSum(m, 'process_max_fds'),
    cpuSeconds: metricSum(m, 'process_cpu_seconds_total'),
    produceBuckets: metricBy(m, 'spool_produce_latency_seconds_bucket', 'le'),
    topicIn: metricBy(m, 'spool_topic_produced_bytes_total', 'topic'),
    topicOut: metricBy(m, 'spool_topic_fetched_bytes_total', 'topic'),
    families: m.size,
  };
  samples.list.push(sample);
  if (samples.list.length > SAMPLES_KEPT + 1) samples.list.shift();
  return sample;
}
/** The per-second rate of a counter between consecutive samples (null across a restart or a gap). */
function rates(key) {
  const s = samples.list, out = [];
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1][key], b = s[i][key], dt = (s[i].t - s[i - 1].t) / 1000;
    out.push(a == null || b == null || b < a || dt <= 0 ? null : (b - a) / dt);
  }
  return out;
}
function topicRates(key) {
  const s = samples.list;
  if (s.length < 2) return {};
  const a = s[s.length - 2], b = s[s.length - 1], dt = (b.t - a.t) / 1000, out = {};
  if (!a[key] || !b[key] || dt <= 0) return {};
  for (const [topic, v] of Object.entries(b[key])) {
    // A topic missing from the earlier scrape was made in between: its counter started at 0.
    const before = a[key][topic] || 0;
    out[topic] = v < before ? 0 : (v - before) / dt;
  }
  return out;
}
/**
 * A quantile of a histogram between consecutive samples, as the upper bound of the bucket it falls in (seconds),
 * or null when nothing was observed in between.
 */
function quantiles(key, q) {
  const s = samples.list, out = [];
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1][key], b = s[i][key];
    if (!a || !b) { out.push(null); continue; }
    const bounds = Object.keys(b).map((le) => [le, le === '+Inf' ? Infinity : Number(le)]).sort((x, y) => x[1] - y[1]);
    const delta = (le) => (b[le] || 0) - (a[le] || 0);
    const total = delta('+Inf');
    const found = total > 0 ? bounds.find(([le]) => delta(le) >= q * total) : null;
    out.push(found ? found[1] : null);
  }
  return out;
}
function latencyText(seconds) {
  if (seconds == null) return '–';
  if (seconds === Infinity) return 'above the top bucket';
  return '≤ ' + (seconds < 1 ? +(seconds * 1000).toPrecision(3) + ' ms' : +seconds.toPrecision(3) + ' s');
}
const last = (list) => list.length ? list[list.length - 1] : null;

route(/^\/(?:overview)?$/, 'overview', (main) => {
  const sub = h('div', { class: 'muted' });
  const cards = h('div', { class: 'grid', id: 'overview-cards' });
  const facts = h('div');
  const traffic = h('div');
  main.append(pageHead('Overview', null, sub), cards,
    h('div', { class: 'two' }, panel('Broker', facts), panel('Topics', traffic)));
  return {
    async refresh() {
      const [broker, topics] = await Promise.all([api('/api/broker'), api('/api/topics')]);
      let metricsError = null;
      try {
        await sampleMetrics();
        // Rates need two samples: take the second a second after the first rather than a refresh later.
        if (samples.list.length === 1) {
          await new Promise((r) => setTimeout(r, 1000));
          await sampleMetrics();
        }
      } catch (e) { metricsError = e.message; }
      fill(sub, 'Spool ' + broker.version + ' · up ' + fmt.duration(broker.uptimeSeconds));
      drawCards(cards, broker, metricsError);
      drawFacts(facts, broker);
      drawTraffic(traffic, topics);
    },
  };
});

function drawCards(el, broker, metricsError) {
  const s = last(samples.list) || {};
  const missing = metricsError ? 'metrics unavailable: ' + metricsError : 'not in /metrics';
  const rateCard = (label, key, format, unit) => {
    const series = rates(key).slice(-SAMPLES_KEPT);
    const now = last(series);
    const exported = s[key] != null;
    return card(label, exported ? format(now) : '–', exported ? unit(s[key]) : missing, sparkline(series, label));
  };
  const disk = broker.disk || {};
  const used = disk.totalBytes ? (disk.totalBytes - disk.freeBytes) / disk.totalBytes : null;
  const logBytes = s.logBytes != null ? s.logBytes : disk.logBytes;
  const bar = h('div', { class: 'bar' + (used != null && used > 0.9 ? ' high' : '') }, h('div'));
  bar.firstChild.style.width = used == null ? '0%' : (used * 100).toFixed(1) + '%';
  const connections = s.connections != null ? s.connections : broker.connections;
  const p99 = quantiles('produceBuckets', 0.99).slice(-SAMPLES_KEPT);
  const cpu = last(rates('cpuSeconds'));
  const process = [cpu == null ? null : 'CPU ' + (cpu * 100).toFixed(cpu < 0.1 ? 1 : 0) + ' %',
    s.fds == null ? null : fmt.int(s.fds) + ' open files' + (s.maxFds ? ' of ' + fmt.int(s.maxFds) : '')];
  const conSeries = samples.list.map((x) => x.connections);
  fill(el,
    rateCard('Produce', 'bytesIn', fmt.rate, (total) => fmt.bytes(total) + ' received since start'),
    rateCard('Fetch', 'bytesOut', fmt.rate, (total) => fmt.bytes(total) + ' sent since start'),
    rateCard('Records in', 'recordsIn', fmt.perSecond, (total) => fmt.int(total) + ' records since start'),
    rateCard('Requests', 'requests', fmt.perSecond, (total) => fmt.int(total) + ' Kafka requests'),
    card('Produce latency p99', s.produceBuckets ? latencyText(last(p99)) : '–',
      s.produceBuckets ? 'append until acks are met, per request' : missing,
      sparkline(p99.map((v) => v === Infinity ? null : v), 'produce latency')),
    card('Connections', connections == null ? '–' : fmt.int(connections),
      connections == null ? missing : 'Kafka clients connected now', sparkline(conSeries, 'connections')),
    card('Log data', fmt.bytes(logBytes), disk.totalBytes ? fmt.bytes(disk.freeBytes) + ' free of ' +
      fmt.bytes(disk.totalBytes) + ' (' + (used * 100).toFixed(0) + ' % used)' : 'disk size unknown', bar),
    card('Process memory', s.rss == null ? '–' : fmt.bytes(s.rss),
      s.rss == null ? missing : process.filter(Boolean).join(' · '),
      sparkline(samples.list.map((x) => x.rss), 'memory')));
}

function drawFacts(el, b) {
  const row = (k, v) => [h('dt', null, k), h('dd', null, v)];
  fill(el, h('dl', { class: 'facts' },
    row('Version', b.version), row('Cluster ID', h('code', null, b.clusterId)),
    row('Started', fmt.time(b.startedAtMs) + ' (' + fmt.zone() + ')'), row('Uptime', fmt.duration(b.uptimeSeconds)),
    row('Kafka listener', h('code', null, b.kafkaListener)), row('Admin listener', h('code', null, b.adminListener)),
    row('Data directory', h('code', null, b.dataDir)),
    row('Topics', h('a', { href: '#/topics' }, fmt.int(b.topics) + ' topics')),
    row('Partitions', fmt.int(b.partitions))));
}

function drawTraffic(el, topics) {
  const inRates = topicRates('topicIn'), outRates = topicRates('topicOut');
  const known = Object.keys(inRates).length > 0 || Object.keys(outRates).length > 0;
  const rows = topics.map((t) => ({ name: t.name, sizeBytes: t.sizeBytes, records: t.records,
    in: known ? inRates[t.name] || 0 : null, out: known ? outRates[t.name] || 0 : null }));
  fill(el, sortableTable('overview-topics', [
    { key: 'name', label: 'Topic', cell: (r) => h('a', { href: '#/topics/' + enc(r.name) }, r.name) },
    { key: 'in', label: 'In', num: true, cell: (r) => fmt.rate(r.in) },
    { key: 'out', label: 'Out', num: true, cell: (r) => fmt.rate(r.out) },
    { key: 'records', label: 'Records', num: true },
    { key: 'sizeBytes', label: 'Size', num: true, cell: (r) => fmt.bytes(r.sizeBytes) },
  ], rows, { sort: known ? 'in' : 'sizeBytes', dir: -1, rowId: (r) => r.name, empty: 'No topics yet.' }));
}
"""#
}
