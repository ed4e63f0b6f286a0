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

/** Streams one server holds open at most; one more is answered 503 with Retry-After. */
export const DEFAULT_MAX_STREAMS = 256;

/** Seconds a refused stream is told to wait before it tries again (Retry-After). */
export const STREAM_RETRY_S = 5;

/** A payload as it goes out, serialized once per tick however many listeners send it. */
interface Wire {
  /** JSON of the payload without its `now`, to tell whether anything but the clock changed. */
  readonly key: string;
  /** The `data:` line's JSON. */
  readonly json: string;
}

const wire = <T extends { now: number }>(p: T): Wire => ({
  key: JSON.stringify({ ...p, now: 0 }),
  json: JSON.stringify(p),
});

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

  /** Send one event whose data is already JSON. */
  send(event: string, json: string): void {
    this.res.write(`event: ${event}\ndata: ${json}\n\n`);
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

/** One job as every listener to it sees it in a tick. */
interface JobView {
  readonly job: ReturnType<DashboardApi["job"]>;
  readonly payload: Wire;
  readonly runs: MetricRun[];
  readonly generation: number | null;
  readonly globalBatch: number | null;
  readonly logFile: string | null;
}

/**
 * What one tick computes once for all its listeners: the job list, the cluster, each watched job's payload,
 * runs and log file, the new log lines read from an offset, and every serialized event (listeners in the same
 * state send the same bytes, so 1,000 streams of one job cost one read and one JSON.stringify).
 */
class Tick {
  private jobs?: Wire;
  private cluster?: Wire;
  private readonly views = new Map<string, JobView>();
  private readonly logs = new Map<string, { end: number; json: string | null }>();
  private readonly metrics = new Map<string, string>();

  constructor(
    private readonly api: DashboardApi,
    private readonly now: number,
  ) {}

  jobsPayload(): Wire {
    return (this.jobs ??= wire(this.api.jobs({}, this.now)));
  }

  clusterPayload(): Wire {
    return (this.cluster ??= wire(this.api.cluster(this.now)));
  }

  jobView(id: string): JobView {
    let v = this.views.get(id);
    if (!v) {
      const payload = wire(this.api.jobPayload(id, this.now));
      const job = this.api.job(id);
      const runs = this.api.runs(job, this.now);
      const s = this.api.scalarsOf(job, this.now);
      v = {
        job,
        payload,
        runs,
        generation: s ? s.generation : null,
        globalBatch: this.api.globalBatch(job),
        logFile: jobLogFile(job),
      };
      this.views.set(id, v);
    }
    return v;
  }

  /**
   * The metrics event of job `id` holding each run's points from `from(run)` on (`reset`: everything); the
   * JSON is built once for every listener that has sent the same counts.
   */
  metricsJson(id: string, reset: boolean, runs: MetricRun[], from: (r: MetricRun) => number): string {
    const key = `${id} ${reset} ${runs.map((r) => `${r.id}:${from(r)}`).join(",")}`;
    let json = this.metrics.get(key);
    if (json === undefined) {
      const v = this.jobView(id);
      json = JSON.stringify({
        globalBatch: v.globalBatch,
        reset,
        runs: runs.map((r) => ({ ...r, points: r.points.slice(from(r)) })),
      });
      this.metrics.set(key, json);
    }
    return json;
  }

  /**
   * The log event of `file` (in `dir`) from byte `offset` (null: its tail, a reset), read and serialized once
   * per tick for every listener at `offset`: where it ended, and the event's JSON (null when nothing is new).
   */
  logEvent(dir: string | null, file: string | null, offset: number | null) {
    const path = file && dir ? join(dir, file) : null;
    const key = `${offset ?? "tail"} ${path}`;
    let r = this.logs.get(key);
    if (!r) {
      const got = path ? readLines(path, offset ?? tailStart(path)) : { lines: [], end: 0 };
      const reset = offset === null;
      const json = reset || got.lines.length > 0 ? JSON.stringify({ file, reset, lines: got.lines }) : null;
      r = { end: got.end, json };
      this.logs.set(key, r);
    }
    return r;
  }
}

class OverviewListener extends Listener {
  private jobsKey = "";
  private clusterKey = "";

  update(_now: number, tick: Tick): void {
    const jobs = tick.jobsPayload();
    if (jobs.key !== this.jobsKey) {
      this.send("jobs", jobs.json);
      this.jobsKey = jobs.key;
    }
    const cluster = tick.clusterPayload();
    if (cluster.key !== this.clusterKey) {
      this.send("cluster", cluster.json);
      this.clusterKey = cluster.key;
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
    private readonly jobId: string,
  ) {
    super(res);
  }

  update(_now: number, tick: Tick): void {
    const v = tick.jobView(this.jobId);
    if (v.payload.key !== this.jobKey) {
      this.send("job", v.payload.json);
      this.jobKey = v.payload.key;
    }
    if (v.generation !== null && v.generation !== this.generation) {
      this.generation = v.generation;
      this.sent.clear();
      this.send(
        "metrics",
        tick.metricsJson(this.jobId, true, v.runs, () => 0),
      );
      this.remember(v.runs);
    } else if (v.generation === null && this.generation === -1) {
      this.generation = 0;
      this.send(
        "metrics",
        tick.metricsJson(this.jobId, true, [], () => 0),
      );
    } else {
      const fresh = v.runs.filter((r) => !this.sent.has(r.id) || r.points.length > this.sent.get(r.id)!);
      if (fresh.length > 0) {
        this.send(
          "metrics",
          tick.metricsJson(this.jobId, false, fresh, (r) => this.sent.get(r.id) ?? 0),
        );
        this.remember(fresh);
      }
    }
    const restart = v.logFile !== this.logFile || !this.logStarted;
    if (!restart && !v.logFile) return;
    this.logFile = v.logFile;
    this.logStarted = true;
    const r = tick.logEvent(v.job.modelDir ?? null, v.logFile, restart ? null : this.logOffset);
    if (r.json === null) return;
    this.logOffset = r.end;
    this.send("log", r.json);
  }

  /** Remember how many points of each run this listener has sent. */
  private remember(runs: MetricRun[]): void {
    for (const r of runs) this.sent.set(r.id, r.points.length);
  }
}

export class LiveHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;

  /** The last tick, which streams opening within the same poll share rather than each building one. */
  private current: { at: number; tick: Tick } | null = null;

  constructor(
    private readonly api: DashboardApi,
    private readonly pollMs: number,
    private readonly onError: (e: unknown) => void,
    readonly maxStreams = DEFAULT_MAX_STREAMS,
  ) {}

  /** /api/stream: the job list and the cluster. */
  overview(req: IncomingMessage, res: ServerResponse): void {
    if (this.refuse(res)) return;
    this.add(req, new OverviewListener(res));
  }

  /** /api/jobs/:id/stream: one job (the caller has checked that it exists). */
  job(req: IncomingMessage, res: ServerResponse, jobId: string): void {
    if (this.refuse(res)) return;
    this.add(req, new JobListener(res, jobId));
  }

  /**
   * At the cap, answer 503 with Retry-After: each open stream costs the server a little on every tick, and a
   * page left open in many tabs (or a client that never closes) must not starve the JSON routes.
   */
  private refuse(res: ServerResponse): boolean {
    if (this.listeners.size < this.maxStreams) return false;
    const body = JSON.stringify({
      error:
        `this server has ${this.listeners.size} live streams open, its limit (--max_streams ${this.maxStreams}); ` +
        `close some dashboard pages, or start wsc serve with a larger --max_streams. Retry in ${STREAM_RETRY_S} s.`,
    });
    res.writeHead(503, {
      "content-type": "application/json; charset=utf-8",
      "retry-after": String(STREAM_RETRY_S),
      "cache-control": "no-store",
    });
    res.end(body);
    return true;
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
    if (!this.current || now - this.current.at >= Math.min(this.pollMs, 250))
      this.current = { at: now, tick: new Tick(this.api, now) };
    this.run(l, now, this.current.tick);
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
    this.current = { at: now, tick };
    for (const l of this.listeners) this.run(l, now, tick);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.current = null;
  }

  /** End every stream (the server is closing). */
  close(): void {
    this.stop();
    for (const l of this.listeners) l.end();
    this.listeners.clear();
  }
}
