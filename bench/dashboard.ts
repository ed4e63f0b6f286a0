// npm run bench:dashboard — what the dashboard costs its server. Three figures, each a median of repeated
// requests after warm-up:
//   - GET /api/jobs over a job store of JOBS finished execute jobs, each with a model_dir whose event file
//     holds POINTS logged steps (what the job list and every `jobs` stream tick build);
//   - GET /api/jobs/:id/metrics of one job whose event file holds BIG logged steps;
//   - reading new points of a growing event file: the incremental tail (scalars.ts: from the byte where the
//     last read stopped) against reading and decoding the whole file again, side by side in the same run,
//     after APPEND new records. The ratio is why the server tails.
//   - STREAMS live streams held open (half /api/stream, half /api/jobs/:id/stream of a POINTS-step job, by a child
//     process so their reading is not counted): the server's CPU over WINDOW_MS of ticks, and GET /api/jobs
//     with the streams open against with none, side by side; then one stream over the cap is answered 503.
// The last line is one JSON object.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { Management, newWorkflowId, wscHome } from "../src/appliance/management/index.js";
import { EventFileWriter, decodeEvent, readTfRecords } from "../src/util/tfevents.js";
import { DashboardServer } from "../src/web/index.js";
import { ModelDirScalars } from "../src/web/scalars.js";
import { machine, machineLine, median } from "./machine.js";

const JOBS = 200;
const POINTS = 500;
const BIG = 100_000;
const APPEND = 10;
const REPEAT = 15;
const STREAMS = 1_000;
const WINDOW_MS = 5_000;

/** A child process holding `n` streams of `urls` open (round robin), printing "open" once all answered. */
function holdStreams(urls: string[], n: number) {
  const script = `
    const urls = ${JSON.stringify(urls)};
    let open = 0;
    const held = [];
    for (let i = 0; i < ${n}; i++) {
      fetch(urls[i % urls.length]).then(async (r) => {
        const reader = r.body.getReader();
        held.push(reader);
        if (++open === ${n}) console.log("open");
        for (;;) { const { done } = await reader.read(); if (done) break; }
      });
    }`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const ready = new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  return { child, ready };
}

/** A model_dir with one training event file of `n` logged steps, 1 s apart. */
function modelDir(dir: string, n: number, t0: number): EventFileWriter {
  const w = new EventFileWriter(join(dir, "train"), t0);
  for (let s = 1; s <= n; s++)
    w.scalars(s * 10, { loss: 3 / s, local_samples_per_sec: 350, avg_samples_per_sec: 350 }, t0 + s * 1000);
  return w;
}

async function time(f: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

const root = mkdtempSync(join(os.tmpdir(), "wsc-bench-dash-"));
const home = wscHome({ WSC_HOME: join(root, "home") });
const m = new Management({ home });
const now = Date.now();
let big = "";
let typical = ""; // a job of POINTS logged steps, the one the job streams watch
for (let i = 0; i < JOBS; i++) {
  const dir = join(root, `run${i}`);
  const j = m.submit({ workflowId: newWorkflowId(), kind: "execute", systemsNeeded: 1, modelDir: dir });
  modelDir(dir, i === 0 ? BIG : POINTS, (j.startedAt ?? now) + 100).close();
  m.finish(j.id, "SUCCEEDED", "done");
  if (i === 0) big = j.id;
  if (i === 1) typical = j.id;
}
const server = await DashboardServer.start({ home, port: 0, record: false });
const get = (path: string) => fetch(server.url + path).then((r) => r.text());

await get("/api/jobs"); // warm-up: every file read once
const jobsMs: number[] = [];
for (let k = 0; k < REPEAT; k++) jobsMs.push(await time(() => get("/api/jobs")));
const metricsMs: number[] = [];
for (let k = 0; k < REPEAT; k++) metricsMs.push(await time(() => get(`/api/jobs/${big}/metrics`)));
await server.close();

// STREAMS live streams: the server's CPU while they tick, and /api/jobs with them open
const live = await DashboardServer.start({ home, port: 0, record: false, maxStreams: STREAMS });
const liveGet = (path: string) => fetch(live.url + path).then((r) => r.text());
const idleJobsMs: number[] = [];
for (let k = 0; k < REPEAT; k++) idleJobsMs.push(await time(() => liveGet("/api/jobs")));
const holder = holdStreams([`${live.url}/api/stream`, `${live.url}/api/jobs/${typical}/stream`], STREAMS);
await holder.ready;
const openStreams = live.live.size;
await new Promise((r) => setTimeout(r, 1_500)); // every stream past its first, whole-state send
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await new Promise((r) => setTimeout(r, WINDOW_MS));
const cpu = process.cpuUsage(cpu0);
const serverCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
const busyJobsMs: number[] = [];
for (let k = 0; k < REPEAT; k++) busyJobsMs.push(await time(() => liveGet("/api/jobs")));
const overCap = (await fetch(`${live.url}/api/stream`)).status;
holder.child.kill();
await live.close();

// the tail against a full re-read, interleaved round by round
const tailDir = join(root, "tail");
const w = modelDir(tailDir, BIG, now);
const scalars = new ModelDirScalars(tailDir, 8);
scalars.poll();
const tailMs: number[] = [];
const fullMs: number[] = [];
let step = BIG * 10;
for (let k = 0; k < REPEAT; k++) {
  for (let a = 0; a < APPEND; a++)
    w.scalars((step += 10), { loss: 1, local_samples_per_sec: 350 }, now + step * 100);
  tailMs.push(await time(() => scalars.poll()));
  fullMs.push(
    await time(() => {
      for (const r of readTfRecords(readFileSync(w.file))) decodeEvent(r);
    }),
  );
}
w.close();
m.close();

const fig = {
  machine: machine(),
  jobs: JOBS,
  points_per_job: POINTS,
  api_jobs_ms: +median(jobsMs).toFixed(2),
  metrics_points: BIG,
  api_metrics_ms: +median(metricsMs).toFixed(2),
  appended_records: APPEND,
  tail_read_ms: +median(tailMs).toFixed(3),
  full_reread_ms: +median(fullMs).toFixed(2),
  full_over_tail: +(median(fullMs) / median(tailMs)).toFixed(1),
  streams: openStreams,
  streams_server_cpu: +serverCpu.toFixed(3),
  api_jobs_idle_ms: +median(idleJobsMs).toFixed(2),
  api_jobs_with_streams_ms: +median(busyJobsMs).toFixed(2),
  with_streams_over_idle: +(median(busyJobsMs) / median(idleJobsMs)).toFixed(2),
  over_cap_status: overCap,
};
console.log(machineLine(fig.machine));
console.log(
  `GET /api/jobs, ${JOBS} jobs of ${POINTS} logged steps each: ${fig.api_jobs_ms} ms (median of ${REPEAT})`,
);
console.log(`GET /api/jobs/:id/metrics, ${BIG} logged steps: ${fig.api_metrics_ms} ms`);
console.log(
  `new points of a ${BIG}-step event file after ${APPEND} appended records: tail ${fig.tail_read_ms} ms, ` +
    `whole file re-read and decoded ${fig.full_reread_ms} ms (${fig.full_over_tail}x)`,
);
console.log(
  `${fig.streams} live streams (half the job list, half one job): server CPU ${(100 * serverCpu).toFixed(1)} % ` +
    `of one core over ${WINDOW_MS / 1000} s; GET /api/jobs ${fig.api_jobs_with_streams_ms} ms with them open, ` +
    `${fig.api_jobs_idle_ms} ms with none (${fig.with_streams_over_idle}x); stream ${STREAMS + 1}: HTTP ${overCap}`,
);
console.log(JSON.stringify(fig));
