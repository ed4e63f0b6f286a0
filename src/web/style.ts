// The dashboard's style sheet, served at /static/style.css. Light, dense, readable in screenshots; phase
// colors as csctl users know them (running blue, succeeded green, failed red, queued amber).
export const STYLE = `
:root {
  --ink: #1d2430; --muted: #667085; --line: #e3e7ee; --bg: #f5f7fa; --card: #fff;
  --blue: #2f6fdb; --green: #1f9d55; --red: #d64545; --amber: #d98a00; --grey: #8a94a6;
  --device: #2f6fdb; --wall: #d9730d; --eval: #8e44ad;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
a { color: var(--blue); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2430; color: #fff; }
header.top .brand { color: #fff; font-weight: 700; font-size: 16px; }
header.top .brand span { color: #9aa4b5; font-weight: 400; font-size: 13px; margin-left: 6px; }
header.top nav a { color: #c9d1de; margin-right: 16px; padding: 4px 2px; }
header.top nav a.active { color: #fff; border-bottom: 2px solid #6ea0ff; }
.live { margin-left: auto; font-size: 12px; color: #9aa4b5; }
.live::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #9aa4b5; }
.live.on::before { background: #3ccf7a; box-shadow: 0 0 0 3px rgba(60,207,122,.25); }
.live.off::before { background: #d64545; }
main { padding: 20px 24px 40px; max-width: 1500px; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 10px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-bottom: 16px; }
.card > h2 .sub { font-weight: 400; color: var(--muted); font-size: 12.5px; margin-left: 8px; }
.grid { display: grid; gap: 16px; }
.grid.charts { grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
.grid.two { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.toolbar { display: flex; gap: 16px; align-items: center; margin: 0 0 12px; flex-wrap: wrap; }
.toolbar input[type=search] { padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; min-width: 260px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.faint td { color: var(--muted); }
.table-wrap { overflow-x: auto; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 600; color: #fff; background: var(--grey); }
.badge.RUNNING { background: var(--blue); } .badge.SUCCEEDED { background: var(--green); }
.badge.FAILED { background: var(--red); } .badge.QUEUED { background: var(--amber); }
.badge.CANCELLED, .badge.CREATED { background: var(--grey); }
.badge.IDLE { background: #b8c0cc; } .badge.ALLOCATED { background: var(--blue); }
.label { display: inline-block; background: #eef2f8; border: 1px solid #dde4ef; border-radius: 4px; padding: 0 6px; margin: 0 4px 2px 0; font-size: 12px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px 24px; }
.facts div b { display: block; font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
.facts div span { overflow-wrap: break-word; }
.facts .mono { word-break: break-all; }
.kpis { display: flex; gap: 12px; flex-wrap: wrap; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 170px; background: #fcfdfe; }
.kpi b { display: block; font-size: 11.5px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.kpi .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .s { font-size: 12px; color: var(--muted); }
.kpi.device { border-left: 4px solid var(--device); } .kpi.wall { border-left: 4px solid var(--wall); }
.kpi.loss { border-left: 4px solid var(--ink); }
.progress { height: 8px; background: #e8edf4; border-radius: 4px; overflow: hidden; margin-top: 6px; }
.progress div { height: 100%; background: var(--blue); }
.chart { width: 100%; height: auto; display: block; }
.chart .axis text { font-size: 11px; fill: var(--muted); }
.chart .grid line { stroke: #eef1f5; }
.chart .title { font-size: 13px; font-weight: 600; fill: var(--ink); }
.chart .note { font-size: 11px; fill: var(--muted); }
.chart .empty { font-size: 12px; fill: var(--muted); }
.legend { font-size: 11.5px; fill: var(--ink); }
pre.log { background: #10151d; color: #d7dde8; padding: 12px; border-radius: 6px; max-height: 360px; overflow: auto; margin: 0; white-space: pre-wrap; word-break: break-all; }
.bar { display: flex; height: 14px; border-radius: 3px; overflow: hidden; background: #eef1f5; margin: 6px 0 4px; }
.bar span { display: block; height: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.wafer-wrap { display: flex; gap: 18px; align-items: flex-start; flex-wrap: wrap; }
.wafer-wrap svg { max-width: 340px; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.wafer-side { flex: 1; min-width: 260px; }
.diagram { width: 100%; height: auto; }
.diagram .box { fill: #fff; stroke: #c7cfdb; stroke-width: 1.2; }
.diagram .box.busy { stroke: var(--blue); stroke-width: 2; fill: #f3f7ff; }
.diagram text { font-size: 12px; fill: var(--ink); }
.diagram text.small { font-size: 10.5px; fill: var(--muted); }
.diagram text.head { font-weight: 650; font-size: 13px; }
.diagram .link { stroke: #b8c0cc; stroke-width: 2; fill: none; }
.diagram .link.flow { stroke: var(--blue); stroke-dasharray: 6 6; animation: flow 0.8s linear infinite; }
.diagram .link.flow.up { animation-direction: reverse; stroke: var(--green); }
.diagram .link.flow.in { animation-direction: reverse; stroke: var(--amber); }
@keyframes flow { to { stroke-dashoffset: -12; } }
.notfound h1 code { font-size: 18px; }
.message { max-width: 900px; }
.why { color: var(--muted); font-size: 12.5px; }
select { padding: 3px 6px; border: 1px solid var(--line); border-radius: 5px; background: #fff; }
@media (max-width: 900px) { .grid.two { grid-template-columns: 1fr; } }
`;
