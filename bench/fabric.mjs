// npm run bench:fabric — the fabric simulator's speed: simulated events per second on dense workloads, run
// time against fabric size (linear in work, not in area x cycles), and the full-wafer wafer-reduce (wall time
// and peak RSS, each in a fresh process). Runs the compiled code in dist/ (the script builds first). Every
// figure is the median of several runs; events per second are given for a workload's first runs in the
// process and, again, once its code paths are compiled (steady). The last line is one JSON object with all.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { WSE2 } from "../dist/hw/index.js";
import { HostRuntime, LayoutBuilder, defineProgram, mem1d } from "../dist/fabric/index.js";
import { KERNELS, resolveParams } from "../dist/kernels/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FULL_RUNS = Number(process.env.BENCH_FULL_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 2) => x.toFixed(d);

/** Build a kernel's layout, then time its host program (memcpy, launch, check): seconds and events. */
function timeKernel(name, width, height, given = {}) {
  const def = KERNELS[name];
  const params = resolveParams(def, given);
  const t0 = performance.now();
  const l = new LayoutBuilder(WSE2);
  l.setRectangle(width, height);
  def.layout(l, { width, height }, params);
  const rt = new HostRuntime(l.build());
  const t1 = performance.now();
  const check = def.run(rt, { width, height }, params);
  const t2 = performance.now();
  if (!check.ok) throw new Error(`${name} ${width}x${height} failed its check: ${check.what}`);
  return { setup: (t1 - t0) / 1000, run: (t2 - t1) / 1000, events: rt.stats().events };
}

/** `rows` rows each streaming n wavelets from its west PE to a PE k hops east: router-dominated work. */
function timeStreams(W, H, rows, k, n) {
  const send = defineProgram("send", (pe) => {
    const out = pe.fabout(0, n);
    const V = mem1d(pe.f32("v", n, 1));
    pe.fn("go", (ctx) => ctx.fmovs(out, V));
  });
  const recv = defineProgram("recv", (pe) => {
    const i = pe.fabin(0, n);
    const B = mem1d(pe.f32("b", n));
    pe.fn("go", (ctx) => ctx.fmovs(B, i));
  });
  const t0 = performance.now();
  const l = new LayoutBuilder(WSE2);
  l.setRectangle(W, H);
  for (let y = 0; y < rows; y++) {
    l.setTileCode(0, y, send);
    l.setTileCode(k, y, recv);
    for (let x = 0; x <= k; x++)
      l.setColorConfig(x, y, 0, { rx: [x === 0 ? "RAMP" : "WEST"], tx: [x === k ? "RAMP" : "EAST"] });
  }
  l.exportName("go");
  const rt = new HostRuntime(l.build());
  const t1 = performance.now();
  const cycles = rt.launch("go");
  const t2 = performance.now();
  return { setup: (t1 - t0) / 1000, run: (t2 - t1) / 1000, events: rt.stats().events, cycles };
}

function repeat(f) {
  const rs = Array.from({ length: RUNS }, f);
  return {
    setup: median(rs.map((r) => r.setup)),
    run: median(rs.map((r) => r.run)),
    events: rs[0].events,
    cycles: rs[0].cycles,
  };
}

const out = {};
const machine = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; median of ${RUNS} runs`);

console.log("\n1. simulated events per second (run time only, layout build excluded)");
console.log(
  `   first: the median of the first ${RUNS} runs of each workload (the first pays for compiling its code paths);`,
);
console.log(`   steady: the median of ${RUNS} more runs of it after all first runs, in the same process`);
const WORKLOADS = {
  streams: () => timeStreams(64, 200, 200, 60, 200),
  stencil: () => timeKernel("stencil", 64, 64, { n: 16, iters: 4 }),
  gemm: () => timeKernel("gemm", 24, 24, { mt: 4, nt: 4, kt: 4 }),
  waferReduce: () => timeKernel("wafer-reduce", 200, 200),
};
// All first passes, then all steady ones: the first figures are measured as the bench always measured them.
const first = Object.fromEntries(Object.entries(WORKLOADS).map(([k, f]) => [k, repeat(f)]));
const steady = Object.fromEntries(Object.entries(WORKLOADS).map(([k, f]) => [k, repeat(f)]));
for (const k of Object.keys(WORKLOADS)) {
  const r = first[k];
  const evs = r.events / r.run;
  const evsSteady = steady[k].events / steady[k].run;
  console.log(
    `   ${k.padEnd(12)} ${String(r.events).padStart(10)} events in ${fmt(r.run)} s = ${fmt(evs / 1e6)} M events/s; ` +
      `steady ${fmt(steady[k].run)} s = ${fmt(evsSteady / 1e6)} M events/s`,
  );
  out[`eventsPerSec_${k}`] = Math.round(evs);
  out[`eventsPerSecSteady_${k}`] = Math.round(evsSteady);
}

console.log("\n2a. idle PEs cost nothing: the same 8 streams in rectangles of growing area");
const idle = [];
for (const [W, H] of [
  [62, 8],
  [200, 200],
  [750, 994],
]) {
  const r = repeat(() => timeStreams(W, H, 8, 60, 2000));
  idle.push({ W, H, ...r });
  console.log(
    `   ${String(W).padStart(3)} x ${String(H).padEnd(3)} run ${fmt(r.run, 3)} s for ${r.events} events (layout build ${fmt(r.setup)} s)`,
  );
}
out.idleRunSeconds = Object.fromEntries(idle.map((r) => [`${r.W}x${r.H}`, Number(r.run.toFixed(4))]));
console.log(
  `   run-time ratio 750x994 / 62x8 = ${fmt(idle[2].run / idle[0].run)} for ${fmt((750 * 994) / (62 * 8), 0)}x the area`,
);
out.idleRatio = Number((idle[2].run / idle[0].run).toFixed(3));

console.log("\n2b. run time grows with work: wafer-reduce on growing rectangles");
const scale = [];
for (const [W, H] of [
  [100, 100],
  [200, 200],
  [400, 400],
]) {
  const r = repeat(() => timeKernel("wafer-reduce", W, H));
  scale.push({ W, H, ...r });
  console.log(
    `   ${String(W).padStart(3)} x ${String(H).padEnd(3)} ${String(r.events).padStart(9)} events, run ${fmt(r.run)} s = ${fmt((1e6 * r.run) / r.events, 3)} us/event; layout ${fmt(r.setup)} s`,
  );
}
out.waferReduceUsPerEvent = Object.fromEntries(
  scale.map((r) => [`${r.W}x${r.H}`, Number(((1e6 * r.run) / r.events).toFixed(3))]),
);

console.log(
  "\n3. the full WSE-2 kernel rectangle: wsc fabric run wafer-reduce --size 750x994 (fresh process each)",
);
const wsc = fileURLToPath(new URL("../bin/wsc.js", import.meta.url));
const full = [];
for (let i = 0; i < FULL_RUNS; i++) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [wsc, "fabric", "run", "wafer-reduce", "--size", "750x994", "--json", "--no-png"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`wsc failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  full.push({ wall, rss: j.peakRssBytes, events: j.events, cycles: j.cycles, ok: j.ok });
  console.log(
    `   run ${i + 1}: ${fmt(wall, 1)} s wall (whole command), peak RSS ${fmt(j.peakRssBytes / 2 ** 30)} GiB, ${j.events} events, ${j.cycles} cycles, check ${j.ok ? "ok" : "FAILED"}`,
  );
}
out.fullWaferSeconds = Number(median(full.map((f) => f.wall)).toFixed(2));
out.fullWaferPeakRssBytes = median(full.map((f) => f.rss));
out.fullWaferEvents = full[0].events;
out.fullWaferCycles = full[0].cycles;
out.fullWaferEventsPerSec = Math.round(full[0].events / out.fullWaferSeconds);
console.log(
  `   median ${out.fullWaferSeconds} s, ${fmt(out.fullWaferPeakRssBytes / 2 ** 30)} GiB (targets: under 60 s, under 8 GB)`,
);
console.log(JSON.stringify({ bench: "fabric", machine, runs: RUNS, ...out }));
