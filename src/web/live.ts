// Live updates over server-sent events. One timer, running while anyone listens, looks at the job store and
// the model_dirs every `pollMs` and sends each listener what changed since it last heard:
//   /api/stream             `jobs` (JobsPayload) and `cluster` (ClusterPayload), whole, when they change;
//   /api/jobs/:id/stream    `job` (JobPayload) when it changes, `metrics` (MetricsPayload: new points by run,
//                           or everything with reset) and `log` (LogPayload: new lines of the run log).
// Every stream begins with the whole state, so a page needs nothing else to draw.
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { DashboardApi } from "./api.js";
import { jobLogFile, readLines, tailStart } from "./job-files.js";
import type { MetricRun } from "./client/types.js";

/** A comment line goes out when a stream was quiet this long, so proxies and browsers keep it open, ms. */
export const KEEPALIVE_MS = 15_000;

/** JSON of a payload without its `now`, to tell whether anything but the clock changed. */
const stateKey = (p: { now: number }) => JSON.stringify({ ...p, now: 0 });

abstract class Listener {
  private lastWrite = Date.now();

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write("retry: 2000\n\n");
  }

  send(event: string, data: unknown): void {
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    this.lastWrite = Date.now();
  }

  keepAlive(now: number): void {
    if (now - this.lastWrite < KEEPALIVE_MS) return;
    this.res.write(": keep-alive\n\n");
    this.lastWrite = now;
  }

  end(): void {
    this.res.end();
  }

  abstract update(now: number, tick: Tick): void;
}

/** What one tick computed once for every listener. */
class Tick {
  private jobs?: ReturnType<DashboardApi["jobs"]>;
  private cluster?: ReturnType<DashboardApi["cluster"]>;
  constructor(
    private readonly api: DashboardApi,
    private readonly now: number,
  ) {}
  jobsPayload() {
    return (this.jobs ??= this.api.jobs({}, this.now));
  }
  clusterPayload() {
    return (this.cluster ??= this.api.cluster(this.now));
  }
}

class OverviewListener extends Listener {
  private jobsKey = "";
  private clusterKey = "";

  update(_now: number, tick: Tick): void {
    const jobs = tick.jobsPayload();
    const jk = stateKey(jobs);
    if (jk !== this.jobsKey) {
      this.send("jobs", jobs);
      this.jobsKey = jk;
    }
    const cluster = tick.clusterPayload();
    const ck = stateKey(cluster);
    if (ck !== this.clusterKey) {
      this.send("cluster", cluster);
      this.clusterKey = ck;
    }
  }
}

class JobListener extends Listener {
  private jobKey = "";
  private generation = -1;
  private readonly sent = new Map<string, number>();
  private logFile: string | null = null;
  private logOffset = 0;
  private logStarted = false;

  constructor(
    res: ServerResponse,
    private readonly api: DashboardApi,
    private readonly jobId: string,
  ) {
    super(res);
  }

  update(now: number): void {
    const payload = this.api.jobPayload(this.jobId, now);
    const key = stateKey(payload);
    if (key !== this.jobKey) {
      this.send("job", payload);
      this.jobKey = key;
    }
    const j = this.api.job(this.jobId);
    const runs = this.api.runs(j, now);
    const s = this.api.scalarsOf(j, now);
    const globalBatch = this.api.globalBatch(j);
    if (s && s.generation !== this.generation) {
      this.generation = s.generation;
      this.sent.clear();
      this.send("metrics", { globalBatch, reset: true, runs: runs.map((r) => this.mark(r, 0)) });
    } else if (!s && this.generation === -1) {
      this.generation = 0;
      this.send("metrics", { globalBatch, reset: true, runs: [] });
    } else {
      const fresh = runs
        .filter((r) => !this.sent.has(r.id) || r.points.length > this.sent.get(r.id)!)
        .map((r) => this.mark(r, this.sent.get(r.id) ?? 0));
      if (fresh.length > 0) this.send("metrics", { globalBatch, reset: false, runs: fresh });
    }
    const logFile = jobLogFile(j);
    if (logFile !== this.logFile || !this.logStarted) {
      this.logFile = logFile;
      this.logStarted = true;
      const path = logFile && j.modelDir ? join(j.modelDir, logFile) : null;
      const r = path ? readLines(path, tailStart(path)) : { lines: [], end: 0 };
      this.logOffset = r.end;
      this.send("log", { file: logFile, reset: true, lines: r.lines });
    } else if (logFile && j.modelDir) {
      const r = readLines(join(j.modelDir, logFile), this.logOffset);
      if (r.lines.length > 0) {
        this.logOffset = r.end;
        this.send("log", { file: logFile, reset: false, lines: r.lines });
      }
    }
  }

  /** The run with the points not yet sent, and remember what was. */
  private mark(r: MetricRun, from: number): MetricRun {
    this.sent.set(r.id, r.points.length);
    return { ...r, points: r.points.slice(from) };
  }
}

export class LiveHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: DashboardApi,
    private readonly pollMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** /api/stream: the job list and the cluster. */
  overview(req: IncomingMessage, res: ServerResponse): void {
    this.add(req, new OverviewListener(res));
  }

  /** /api/jobs/:id/stream: one job (the caller has checked that it exists). */
  job(req: IncomingMessage, res: ServerResponse, jobId: string): void {
    this.add(req, new JobListener(res, this.api, jobId));
  }

  get size(): number {
    return this.listeners.size;
  }

  private add(req: IncomingMessage, l: Listener): void {
    this.listeners.add(l);
    req.on("close", () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) this.stop();
    });
    const now = Date.now();
    this.run(l, now, new Tick(this.api, now));
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.pollMs);
      this.timer.unref();
    }
  }

  private run(l: Listener, now: number, tick: Tick): void {
    try {
      l.update(now, tick);
      l.keepAlive(now);
    } catch (e) {
      this.onError(e);
    }
  }

  private tick(): void {
    const now = Date.now();
    const tick = new Tick(this.api, now);
    for (const l of this.listeners) this.run(l, now, tick);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** End every stream (the server is closing). */
  close(): void {
    this.stop();
    for (const l of this.listeners) l.end();
    this.listeners.clear();
  }
}
