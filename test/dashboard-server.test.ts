// The dashboard's API against what the job store and the model_dirs hold: a real finished run (the mlp config
// through `wsc run CSX`), a running job this test owns whose event files it writes with hand-picked times and
// values, and the compile report cross-checked with the one `--compile_only` writes for the same compile.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Management,
  dashboardFile,
  jobView,
  newWorkflowId,
  runningDashboard,
  wscHome,
} from "../src/appliance/management/index.js";
import type { JobRecord } from "../src/appliance/management/index.js";
import { swarmxTree } from "../src/hw/index.js";
import { EventFileWriter } from "../src/util/tfevents.js";
import { ROOT, wsc } from "./helpers.js";
import { DashboardServer } from "../src/web/server.js";
import { PortInUseError } from "../src/web/errors.js";
import type {
  JobPayload,
  JobsPayload,
  MetricsPayload,
  ReportPayload,
  ClusterPayload,
} from "../src/web/client/types.js";

const MLP = join(ROOT, "configs/tiny/mlp.yaml");
const BATCH = 32; // train_input.batch_size of configs/tiny/mlp.yaml

let dir: string;
let env: { WSC_HOME: string };
let m: Management;
let server: DashboardServer;
let done: JobRecord; // the finished execute job
let running: JobRecord; // the execute job this test owns
let events: EventFileWriter;
let t0: number;

const get = async (path: string) => {
  const r = await fetch(server.url + path);
  return { status: r.status, type: r.headers.get("content-type") ?? "", body: await r.text() };
};
const getJson = async <T>(path: string) => JSON.parse((await get(path)).body) as T;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wsc-web-"));
  env = { WSC_HOME: join(dir, "home") };
  const run = wsc(
    [
      "run",
      "CSX",
      "-p",
      MLP,
      "-m",
      "train",
      "-o",
      join(dir, "mlp"),
      "-c",
      join(dir, "cache"),
      "--job_labels",
      "name=mlp",
    ],
    { env, cwd: dir },
  );
  expect(run.code, run.stderr).toBe(0);
  m = new Management({ home: wscHome(env) });
  done = m.store.list().find((j) => j.kind === "execute")!;
  const compile = m.store.list().find((j) => j.kind === "compile")!;

  // a second run of the same compile (a cache hit), still running, owned by this process
  const wf = newWorkflowId();
  const cj = m.submit({ workflowId: wf, kind: "compile", systemsNeeded: 0, detail: { ...compile.detail } });
  m.finish(cj.id, "SUCCEEDED", "compiled");
  const modelDir = join(dir, "live");
  running = m.submit({
    workflowId: wf,
    kind: "execute",
    systemsNeeded: 1,
    labels: { name: "live" },
    modelDir,
    detail: { compileHash: compile.detail.compileHash, executionStrategy: "pipeline", maxSteps: 100 },
  });
  expect(running.phase).toBe("RUNNING");
  // an earlier run in the same model_dir, then this job's run: loss, modeled rates, wall times 1 s and 2 s apart
  t0 = running.startedAt!;
  const before = new EventFileWriter(join(modelDir, "train"), t0 - 60_000);
  before.scalars(10, { loss: 3 }, t0 - 59_000);
  before.close();
  events = new EventFileWriter(join(modelDir, "eval"), t0 + 100); // eval/ so the file names differ
  events.close();
  events = new EventFileWriter(join(modelDir, "train"), t0 + 200);
  events.scalars(10, { loss: 2, local_samples_per_sec: 1024.5, avg_samples_per_sec: 1024.5 }, t0 + 1_200);
  events.scalars(20, { loss: 1.5, local_samples_per_sec: 1024.5, avg_samples_per_sec: 1000.25 }, t0 + 3_200);
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, "checkpoint_20.mdl"), "x".repeat(100));

  server = await DashboardServer.start({
    home: m.home,
    port: 0,
    pollMs: 50,
    onError: (e) => console.error(e),
  });
});

afterAll(async () => {
  events?.close();
  await server?.close();
  m?.close();
});

describe("the dashboard API", () => {
  it("GET /api/jobs lists every job as the store has it, as wsc ctl get jobs -a shows it", async () => {
    const p = await getJson<JobsPayload>("/api/jobs");
    const store = m.store.list();
    expect(p.jobs.map((j) => j.name)).toEqual(store.map((j) => j.id));
    for (const j of p.jobs) {
      const { durationSeconds: _d, lastHeartbeat: _h, ...want } = jobView(m, m.store.get(j.name));
      expect(j).toMatchObject(want);
    }
    const active = await getJson<JobsPayload>("/api/jobs?active");
    expect(active.jobs.map((j) => j.name)).toEqual([running.id]);
  });

  it("an execute job's latest point is its own run's last logged step, with the wall rate batch x steps / seconds", async () => {
    const p = await getJson<JobsPayload>("/api/jobs");
    expect(p.jobs.find((j) => j.name === running.id)!.latest).toEqual({
      step: 20,
      at: t0 + 3_200,
      loss: 1.5,
      deviceRate: 1024.5,
      wallRate: (BATCH * 10) / 2, // 10 steps of 32 samples in 2 s of this machine
      maxSteps: 100,
    });
    // the finished run's latest is its last log line's step (max_steps 100, log_steps 10)
    expect(p.jobs.find((j) => j.name === done.id)!.latest).toMatchObject({ step: 100 });
  });

  it("GET /api/jobs/:id returns the record, the event log and what the job wrote to model_dir", async () => {
    const p = await getJson<JobPayload>(`/api/jobs/${done.id}`);
    expect(p.job.name).toBe(done.id);
    expect(p.events).toEqual(m.store.events(done.id).map((e) => ({ at: e.at, message: e.message })));
    expect(p.workflow).toEqual([
      { name: m.store.list().find((j) => j.kind === "compile")!.id, type: "compile", phase: "SUCCEEDED" },
    ]);
    expect(p.performance).toEqual(JSON.parse(readFileSync(join(dir, "mlp", "performance.json"), "utf8")));
    expect(p.checkpoints.map((c) => [c.step, c.file, c.thisJob])).toEqual([
      [50, "checkpoint_50.mdl", true],
      [100, "checkpoint_100.mdl", true],
    ]);
    expect(p.logFile).toMatch(/^run_\d{8}_\d{6}\.log$/);
    expect(existsSync(join(dir, "mlp", p.logFile!))).toBe(true);
    expect(p.report).toEqual({ available: true });
    const live = await getJson<JobPayload>(`/api/jobs/${running.id}`);
    expect(live.performance).toBeNull(); // written when the run ends
    expect(live.checkpoints).toMatchObject([{ step: 20, bytes: 100, thisJob: true }]);
  });

  it("GET /api/jobs/:id/metrics names each run's scalars and marks the runs of other jobs", async () => {
    const p = await getJson<MetricsPayload>(`/api/jobs/${running.id}/metrics`);
    expect(p.globalBatch).toBe(BATCH);
    expect(p.runs.map((r) => [r.dir, r.thisJob, r.startedAt])).toEqual([
      ["train", false, t0 - 60_000],
      ["eval", true, t0 + 100],
      ["train", true, t0 + 200],
    ]);
    expect(p.runs[0].points).toEqual([{ step: 10, at: t0 - 59_000, loss: 3 }]);
    expect(p.runs[2].points).toEqual([
      { step: 10, at: t0 + 1_200, loss: 2, deviceRate: 1024.5, deviceAvgRate: 1024.5 },
      { step: 20, at: t0 + 3_200, loss: 1.5, deviceRate: 1024.5, deviceAvgRate: 1000.25, wallRate: 160 },
    ]);
  });

  it("the compile report is the one --compile_only writes for the same compile", async () => {
    const p = await getJson<ReportPayload>(`/api/jobs/${done.id}/report`);
    const out = join(dir, "compile-only");
    const r = wsc(
      ["run", "CSX", "-p", MLP, "-m", "train", "--compile_only", "-o", out, "-c", join(dir, "cache")],
      {
        env,
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(out, "compile_report.json"), "utf8"));
    const { cached: _c, passes: _p, ...want } = file;
    const { cached: _c2, passes: _p2, ...got } = p.report as typeof p.report & { cached: boolean };
    expect(got).toEqual(want);
    expect(p.report.hash).toBe(done.detail.compileHash);
    expect(p.report.mode).toBe(
      JSON.parse(readFileSync(join(dir, "mlp", "performance.json"), "utf8")).execution_strategy,
    );
    // alike layers grouped as the terminal report groups them: every layer in exactly one group
    expect(p.groups.reduce((n, g) => n + g.count, 0)).toBe(p.report.layers.length);
    expect(p.groups[0]).toMatchObject({ index: 0, name: p.report.layers[0].layer });
    expect(p.wafer).toMatchObject({
      fabricWidth: 757,
      fabricHeight: 996,
      kernelWidth: 750,
      kernelHeight: 994,
    });
    const png = await fetch(`${server.url}/api/jobs/${done.id}/wafer_map.png`);
    expect(png.status).toBe(200);
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("GET /api/cluster shows which job holds each system and the roles' figures", async () => {
    const p = await getJson<ClusterPayload>("/api/cluster");
    expect(p.systems.map((s) => [s.name, s.state, s.job?.name ?? null])).toEqual(
      m.systemStates().map((s) => [s.name, s.job ? "ALLOCATED" : "IDLE", s.job?.id ?? null]),
    );
    expect(p.systems[0].job).toMatchObject({ name: running.id, mode: "pipeline", latest: { step: 20 } });
    const tree = swarmxTree(m.cluster);
    expect(p.swarmx).toMatchObject({ lanes: tree.lanes, depth: tree.depth, nodes: tree.totalNodes });
    expect(p.system.kernelPEs).toBe(750 * 994);
  });

  it("an unknown job id is a 404 naming it, as a page and in the API; other methods are refused", async () => {
    const api = await get("/api/jobs/wsjob-nosuchjob");
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body).error).toMatch(
      /job wsjob-nosuchjob is not in the job store .*wsc ctl get jobs -a/,
    );
    const page = await get("/jobs/wsjob-nosuchjob");
    expect(page.status).toBe(404);
    expect(page.type).toContain("text/html");
    expect(page.body).toContain("Not found: <code>wsjob-nosuchjob</code>");
    expect((await get("/api/jobs/wsjob-nosuchjob/report")).status).toBe(404);
    expect((await get("/nowhere")).status).toBe(404);
    const post = await fetch(`${server.url}/api/jobs`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("the job's stream sends the whole state, then the points appended to its event file", async () => {
    const ac = new AbortController();
    const { res, next } = await openStream(`${server.url}/api/jobs/${running.id}/stream`, ac.signal);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const first = [await next(), await next(), await next()];
    expect(first.map((e) => e.event)).toEqual(["job", "metrics", "log"]);
    expect((first[1].data as MetricsPayload).reset).toBe(true);
    events.scalars(30, { loss: 1.25, local_samples_per_sec: 1024.5, avg_samples_per_sec: 1010 }, t0 + 4_200);
    let e = await next();
    while (e.event !== "metrics") e = await next();
    expect(e.data).toEqual({
      globalBatch: BATCH,
      reset: false,
      runs: [
        expect.objectContaining({
          dir: "train",
          thisJob: true,
          points: [
            { step: 30, at: t0 + 4_200, loss: 1.25, deviceRate: 1024.5, deviceAvgRate: 1010, wallRate: 320 },
          ],
        }),
      ],
    });
    ac.abort();
  });
});

/** Open a server-sent event stream; `next` reads its next event. */
async function openStream(url: string, signal: AbortSignal) {
  const res = await fetch(url, { signal });
  const reader = res.body!.getReader();
  let buf = "";
  const next = async (): Promise<{ event: string; data: unknown }> => {
    for (;;) {
      const i = buf.indexOf("\n\n");
      if (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (ev && data) return { event: ev[1], data: JSON.parse(data[1]) };
        continue;
      }
      const { value } = await reader.read();
      buf += new TextDecoder().decode(value);
    }
  };
  return { res, next };
}

describe("the live streams", () => {
  it("a server holds at most max_streams open: one more gets 503 with Retry-After, and a closed one frees its place", async () => {
    const s = await DashboardServer.start({
      home: m.home,
      port: 0,
      pollMs: 50,
      record: false,
      maxStreams: 2,
    });
    const acs = [new AbortController(), new AbortController()];
    try {
      const a = await openStream(`${s.url}/api/stream`, acs[0].signal);
      const b = await openStream(`${s.url}/api/jobs/${running.id}/stream`, acs[1].signal);
      expect([a.res.status, b.res.status]).toEqual([200, 200]);
      await a.next();
      await b.next();
      expect(s.live.size).toBe(2);
      const refused = await fetch(`${s.url}/api/stream`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(((await refused.json()) as { error: string }).error).toContain("--max_streams 2");
      // the JSON routes still answer
      expect((await fetch(`${s.url}/api/jobs`)).status).toBe(200);
      acs[0].abort();
      for (let k = 0; k < 100 && s.live.size > 1; k++) await new Promise((r) => setTimeout(r, 10));
      expect(s.live.size).toBe(1);
      const again = new AbortController();
      acs.push(again);
      const c = await openStream(`${s.url}/api/stream`, again.signal);
      expect(c.res.status).toBe(200);
      expect((await c.next()).event).toBe("jobs");
    } finally {
      for (const ac of acs) ac.abort();
      await s.close();
    }
  });

  it("a tick builds each watched job's payload, the job list and the cluster once, however many stream them", async () => {
    const s = await DashboardServer.start({ home: m.home, port: 0, pollMs: 100, record: false });
    const calls = { jobPayload: 0, jobs: 0, cluster: 0 };
    for (const k of Object.keys(calls) as (keyof typeof calls)[]) {
      const f = (s.api[k] as (...a: unknown[]) => unknown).bind(s.api);
      (s.api as unknown as Record<string, unknown>)[k] = (...a: unknown[]) => {
        calls[k]++;
        return f(...a);
      };
    }
    const N = 20;
    const ac = new AbortController();
    try {
      const jobStreams = [];
      const overviews = [];
      for (let i = 0; i < N; i++) {
        jobStreams.push(await openStream(`${s.url}/api/jobs/${running.id}/stream`, ac.signal));
        overviews.push(await openStream(`${s.url}/api/stream`, ac.signal));
      }
      // every stream got the whole state
      for (const st of jobStreams) expect((await st.next()).event).toBe("job");
      for (const st of overviews) expect((await st.next()).event).toBe("jobs");
      const before = { ...calls };
      const t = Date.now();
      await new Promise((r) => setTimeout(r, 1_000));
      const ticks = Math.ceil((Date.now() - t) / 100) + 1;
      expect(calls.jobPayload - before.jobPayload).toBeGreaterThan(0);
      expect(calls.jobPayload - before.jobPayload).toBeLessThanOrEqual(ticks);
      expect(calls.jobs - before.jobs).toBeLessThanOrEqual(ticks);
      expect(calls.cluster - before.cluster).toBeLessThanOrEqual(ticks);
      // a new point reaches every job stream, each with the same bytes
      events.scalars(
        40,
        { loss: 1.125, local_samples_per_sec: 1024.5, avg_samples_per_sec: 1010 },
        t0 + 6_200,
      );
      const got = [];
      for (const st of jobStreams) {
        let e = await st.next();
        while (e.event !== "metrics" || (e.data as MetricsPayload).reset) e = await st.next();
        got.push(e.data);
      }
      expect(new Set(got.map((d) => JSON.stringify(d))).size).toBe(1);
      const runs = (got[0] as MetricsPayload).runs;
      expect(runs.flatMap((r) => r.points.map((p) => p.step))).toEqual([40]);
    } finally {
      ac.abort();
      await s.close();
    }
  });
});

describe("the dashboard's address", () => {
  it("is recorded in $WSC_HOME, and wsc ctl get jobs links each job while the server runs", async () => {
    expect(runningDashboard(m.home)?.url).toBe(server.url);
    const r = wsc(["ctl", "get", "jobs"], { env, cwd: dir });
    expect(r.stdout).toMatch(
      new RegExp(`${running.id}\\s+.*RUNNING.*\\s${server.url}/jobs/${running.id}$`, "m"),
    );
  });

  it("a record whose process is gone is stale: wsc ctl prints - in the DASHBOARD column", () => {
    const home = wscHome({ WSC_HOME: join(dir, "stale") });
    // a pid above Linux's largest pid_max (2^22) is no process
    writeFileSync(
      dashboardFile(home),
      JSON.stringify({
        url: "http://127.0.0.1:1",
        pid: 2 ** 22 + 7,
        procStart: null,
        host: hostname(),
        startedAt: 0,
      }),
    );
    expect(runningDashboard(home)).toBeNull();
    const mm = new Management({ home });
    mm.submit({ workflowId: newWorkflowId(), kind: "execute", systemsNeeded: 1 });
    mm.close();
    const r = wsc(["ctl", "get", "jobs"], { env: { WSC_HOME: home.dir }, cwd: dir });
    expect(r.stdout.trim().split("\n")[1]).toMatch(/\s-$/);
  });

  it("a port in use is an error that says how to choose another", async () => {
    const port = Number(new URL(server.url).port);
    const err = await DashboardServer.start({ home: m.home, port, record: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toBe(
      `port ${port} on 127.0.0.1 is in use (wsc serve, pid ${process.pid}, is serving ${server.url} for this ` +
        `WSC_HOME): choose another with --port N, or --port 0 for any free port`,
    );
  });
});

describe("the Host header", () => {
  const get = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(server.url);
      const req = httpRequest(
        { host: "127.0.0.1", port: u.port, path: "/api/jobs", headers: { host } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });

  it("names of this server are served; any other is refused with 403 (DNS rebinding)", async () => {
    const port = new URL(server.url).port;
    for (const ok of [`127.0.0.1:${port}`, `localhost:${port}`, "LOCALHOST", `[::1]:${port}`])
      expect(await get(ok), ok).toBe(200);
    for (const bad of [`evil.example.com:${port}`, "evil.example.com", `127.0.0.1.evil.example.com:${port}`])
      expect(await get(bad), bad).toBe(403);
  });
});
