extension ConsoleAssets {
    /// The style sheet: a dark sidebar, light content, tables that read at a glance (numbers right-aligned in
    /// a monospace face) and colours that carry meaning (lag in amber and red, errors in red, changes in blue).
    static let style = #"""
:root {
  --bg: #f5f7fa; --panel: #ffffff; --text: #1f2933; --muted: #667085; --line: #e4e7ec; --head: #f9fafb;
  --side: #111827; --side-text: #cbd5e1; --side-active: #1f2937; --accent: #2563eb; --accent-soft: #eff6ff;
  --warn: #b45309; --warn-soft: #fffbeb; --bad: #b42318; --bad-soft: #fef3f2; --good: #067647;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 14px/1.45 var(--sans); color: var(--text); display: flex; min-height: 100vh;
  background: linear-gradient(to right, var(--side) 220px, var(--bg) 220px); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.muted { color: var(--muted); }
.sidebar { width: 220px; flex: none; background: var(--side); color: var(--side-text); display: flex;
  flex-direction: column; position: sticky; top: 0; height: 100vh; }
.brand { display: flex; align-items: center; gap: 10px; padding: 18px 20px; color: #fff; font-weight: 600;
  font-size: 17px; letter-spacing: .2px; }
.brand:hover { text-decoration: none; }
.nav { list-style: none; margin: 8px 0; padding: 0; }
.nav a { display: block; padding: 9px 20px; color: var(--side-text); border-left: 3px solid transparent; }
.nav a:hover { background: var(--side-active); text-decoration: none; color: #fff; }
.nav a.active { background: var(--side-active); color: #fff; border-left-color: #60a5fa; }
.sidebar-foot { margin-top: auto; padding: 16px 20px; font-size: 12px; display: grid; gap: 6px; }
.sidebar-foot .muted { color: #94a3b8; }
.refresh-toggle { display: flex; gap: 6px; align-items: center; cursor: pointer; }
main { flex: 1; min-width: 0; padding: 24px 32px 48px; outline: none; }
.page-head { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; margin-bottom: 18px; }
h1 { font-size: 22px; margin: 0; font-weight: 600; }
h2 { font-size: 15px; margin: 0 0 10px; font-weight: 600; }
.crumbs { color: var(--muted); font-size: 13px; }
.crumbs a { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px;
  margin-bottom: 18px; }
.panel.flush { padding: 0; }
.panel.flush > h2 { padding: 14px 18px 0; }
.panel-head { display: flex; align-items: center; gap: 12px; justify-content: space-between; flex-wrap: wrap;
  margin-bottom: 10px; }
.panel-head h2 { margin: 0; }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
  margin-bottom: 18px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
.card .value { font-size: 24px; font-weight: 600; margin: 4px 0 2px; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--muted); font-size: 12px; min-height: 16px; }
.card svg.spark { display: block; width: 100%; height: 42px; margin-top: 8px; }
svg.spark .line { fill: none; stroke: var(--accent); stroke-width: 1.6; }
svg.spark .area { fill: var(--accent-soft); stroke: none; }
svg.spark .empty { fill: var(--muted); font-size: 10px; }
.bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; margin-top: 10px; }
.bar > div { height: 100%; background: var(--accent); }
.bar.high > div { background: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 7px 12px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: middle; }
[data-table="records"] td, [data-table="config"] td { vertical-align: top; }
th { background: var(--head); font-weight: 600; font-size: 12px; color: #475467; white-space: nowrap;
  position: sticky; top: 0; user-select: none; }
th.sortable { cursor: pointer; }
th.sortable:hover { color: var(--text); }
th .arrow { display: inline-block; width: 12px; color: var(--accent); }
th .arrow:empty { display: none; }
tbody tr:hover { background: #f8fafc; }
td.num, th.num { text-align: right; font-family: var(--mono); font-size: 12.5px; white-space: nowrap; }
th.num { font-family: var(--sans); font-size: 12px; }
td.mono { font-family: var(--mono); font-size: 12.5px; }
td.empty { color: var(--muted); text-align: center; padding: 18px; }
tr.changed td { background: var(--accent-soft); }
tr.changed td:first-child { box-shadow: inset 3px 0 0 var(--accent); }
.lag-some { color: var(--warn); font-weight: 700; }
.lag-high { color: #fff; background: var(--bad); font-weight: 700; border-radius: 4px; padding: 1px 6px; }
td.lag-cell-high { background: var(--bad-soft); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eef2f6;
  color: #344054; white-space: nowrap; }
.badge.good { background: #ecfdf3; color: var(--good); }
.badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
.badge.info { background: var(--accent-soft); color: var(--accent); }
.error { background: var(--bad-soft); color: var(--bad); border: 1px solid #fecdca; border-radius: 8px;
  padding: 10px 14px; margin-bottom: 16px; white-space: pre-wrap; }
.notice { background: #ecfdf3; color: var(--good); border: 1px solid #abefc6; border-radius: 8px;
  padding: 10px 14px; margin-bottom: 16px; }
.bytes { font-family: var(--mono); font-size: 12.5px; white-space: pre-wrap; word-break: break-all;
  max-height: 9em; overflow: auto; display: block; }
.bytes.binary { color: #6941c6; }
.bytes .enc { font-family: var(--sans); font-size: 11px; color: var(--muted); margin-right: 6px; }
.null { color: var(--muted); font-style: italic; }
.headers { margin: 0; padding: 0; list-style: none; display: grid; gap: 4px; }
.headers li { display: flex; gap: 6px; align-items: baseline; }
.headers .hkey { font-family: var(--mono); font-size: 12px; color: #475467; white-space: nowrap; }
form.inline, .toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; }
.field { display: grid; gap: 4px; font-size: 12px; color: var(--muted); }
input, select, textarea, button { font: inherit; font-size: 13px; }
input, select, textarea { border: 1px solid #d0d5dd; border-radius: 6px; padding: 6px 9px; background: #fff;
  color: var(--text); min-width: 0; }
input:focus, select:focus, textarea:focus { outline: 2px solid #bfdbfe; border-color: var(--accent); }
input.wide { width: 280px; }
input.narrow { width: 110px; }
textarea { width: 320px; height: 62px; font-family: var(--mono); font-size: 12px; }
button, a.button { border: 1px solid #d0d5dd; background: #fff; border-radius: 6px; padding: 6px 14px; cursor: pointer;
  color: var(--text); }
button:hover, a.button:hover { background: #f2f4f7; text-decoration: none; }
a.button { display: inline-block; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { background: #1d4ed8; }
button.danger { border-color: #fda29b; color: var(--bad); }
button.danger:hover { background: var(--bad-soft); }
button.danger.solid { background: var(--bad); color: #fff; border-color: var(--bad); }
button:disabled { opacity: .5; cursor: default; }
.seg { display: inline-flex; border: 1px solid #d0d5dd; border-radius: 6px; overflow: hidden; }
.seg button { border: 0; border-radius: 0; padding: 5px 12px; }
.seg button.on { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.spacer { flex: 1; }
.confirm { margin-top: 12px; padding: 12px; border: 1px solid #fecdca; background: var(--bad-soft);
  border-radius: 8px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.help { color: var(--muted); font-size: 12px; margin-top: 2px; font-family: var(--sans); }
.spark-empty { height: 42px; margin-top: 8px; display: flex; align-items: center; color: var(--muted);
  font-size: 12px; border-top: 1px dashed var(--line); }
.subtitle { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
[data-table="records"] td[data-key="timestampMs"] { white-space: nowrap; }
[data-table="records"] td[data-key="key"] { min-width: 140px; max-width: 260px; }
[data-table="records"] td[data-key="value"] { min-width: 260px; }
[data-table="records"] td[data-key="headers"] { min-width: 200px; max-width: 320px; }
.two { display: grid; gap: 18px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
.hidden { display: none !important; }
main.loading > :not(.page-head):not(#page-error) { display: none; }
main.loading .page-head button, main.loading .page-head a.button { display: none; }
"""#
}
