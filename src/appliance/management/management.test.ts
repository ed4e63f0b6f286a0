// The management role's rules: ids, durability, FIFO within priority with head-of-line blocking, reaping of
// jobs whose process is gone, cancel in each phase, labels and priorities.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import {
  ClusterTooSmallError,
  JobPhaseError,
  LabelError,
  JobEndedError,
  Management,
  OwnedJob,
  heartbeatTimeoutSec,
  PriorityError,
  isJobId,
  newJobId,
  newWorkflowId,
  parseLabelChange,
  queueStatusLine,
  wscHome,
} from "./index.js";

function home(clusterYaml?: string) {
  const dir = mkdtempSync(join(tmpdir(), "wsc-home-"));
  if (clusterYaml) writeFileSync(join(dir, "cluster.yaml"), clusterYaml);
  return wscHome({ WSC_HOME: dir });
}

const execute = (systems: number, priority = "p2") => ({
  workflowId: newWorkflowId(),
  kind: "execute" as const,
  systemsNeeded: systems,
  priority,
});

describe("job ids", () => {
  it("are wsjob- or wflow- followed by 22 lowercase alphanumerics, and distinct", () => {
    const ids = new Set(Array.from({ length: 1000 }, newJobId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^wsjob-[a-z0-9]{22}$/);
    expect(newWorkflowId()).toMatch(/^wflow-[a-z0-9]{22}$/);
    expect(isJobId("wsjob-thjj8zticwsylhppkbmjqe")).toBe(true);
    expect(isJobId("wsjob-THJJ8zticwsylhppkbmjqe")).toBe(false);
  });
});

describe("the job store", () => {
  it("lives in $WSC_HOME/jobs.db in WAL mode, and a new process finds every job as it was", () => {
    const h = home();
    expect(h.dbFile).toBe(join(h.dir, "jobs.db"));
    const m = new Management({ home: h });
    const a = m.submit({ ...execute(1), labels: { name: "gpt" } });
    const b = m.submit(execute(2));
    m.close();
    const raw = new Database(h.dbFile, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const m2 = new Management({ home: h });
    expect(m2.store.get(a.id)).toEqual(a);
    expect(m2.store.get(b.id).phase).toBe("QUEUED");
    expect(m2.store.events(a.id).map((e) => e.message)).toContain("job queued");
    m2.close();
  });

  it("a job needing more systems than the cluster has fails at submission, naming both numbers and the fix", () => {
    const m = new Management({ home: home() });
    expect(() => m.submit(execute(4))).toThrow(ClusterTooSmallError);
    expect(() => m.submit(execute(4))).toThrow(
      /needs 4 CS-X systems .* the cluster has 2: use --num_csx between 1 and 2/,
    );
    expect(m.store.list()).toHaveLength(0);
    const big = new Management({ home: home("num_systems: 4\n") });
    expect(big.submit(execute(4)).phase).toBe("RUNNING");
  });
});

describe("the scheduler", () => {
  it("gives systems first come first served and queues a job the free systems cannot hold", () => {
    const m = new Management({ home: home() });
    const a = m.submit(execute(2));
    const b = m.submit(execute(2));
    expect(m.store.get(a.id).phase).toBe("RUNNING");
    expect(m.store.get(a.id).systems).toEqual(["cs2-01", "cs2-02"]);
    expect(m.store.get(b.id).phase).toBe("QUEUED");
    expect(queueStatusLine(m.queueStatus(b.id))).toBe(
      "Poll ingress status: Waiting for job running, current job status: Queueing, msg: job is queueing. " +
        "Job queue status: current job is top of queue but likely blocked by running jobs, 1 execute job(s) " +
        "running using 2 system(s), 0 compile job(s) running using 0Gi memory. For more information, please " +
        "run 'wsc ctl get jobs'.",
    );
    m.finish(a.id, "SUCCEEDED", "");
    m.schedule();
    expect(m.store.get(b.id).phase).toBe("RUNNING");
    expect(m.systemStates().map((s) => s.job?.id)).toEqual([b.id, b.id]);
  });

  it("runs a higher priority first, FIFO within a priority, and never backfills past the head", () => {
    const m = new Management({ home: home() });
    const hold = m.submit(execute(1)); // holds cs2-01
    const wide = m.submit(execute(2, "p3")); // needs both systems
    const late = m.submit(execute(2, "p1")); // higher priority, submitted later
    const small = m.submit(execute(1, "p3")); // would fit the free system, but is behind `wide`
    const st = (id: string) => m.store.get(id).phase;
    expect([st(hold.id), st(wide.id), st(late.id), st(small.id)]).toEqual([
      "RUNNING",
      "QUEUED",
      "QUEUED",
      "QUEUED",
    ]);
    expect(m.queueStatus(small.id).ahead).toBe(2);
    expect(m.queueStatus(late.id).ahead).toBe(0);
    m.finish(hold.id, "SUCCEEDED", "");
    m.schedule();
    expect([st(wide.id), st(late.id), st(small.id)]).toEqual(["QUEUED", "RUNNING", "QUEUED"]);
    m.finish(late.id, "SUCCEEDED", "");
    m.schedule();
    expect([st(wide.id), st(small.id)]).toEqual(["RUNNING", "QUEUED"]);
  });

  it("starts compile jobs at once: they hold no system", () => {
    const m = new Management({ home: home() });
    m.submit(execute(2));
    const c = m.submit({ workflowId: newWorkflowId(), kind: "compile", systemsNeeded: 0 });
    expect(m.store.get(c.id).phase).toBe("RUNNING");
    expect(m.queueStatus(c.id).compileMemoryGiB).toBe(67);
  });

  it("reaps a job whose process exited as FAILED with the reason, and frees its systems", () => {
    const h = home();
    // A real process submits a job and exits without ending it, as a killed run would.
    const script = `
      const { Management } = await import(${JSON.stringify(new URL("./management.ts", import.meta.url).href)});
      const m = new Management();
      const j = m.submit({ workflowId: "wflow-x", kind: "execute", systemsNeeded: 2 });
      process.stdout.write(j.id + " " + j.phase + " " + process.pid);`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, WSC_HOME: h.dir },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    const [id, phase, pid] = r.stdout.split(" ");
    expect(phase).toBe("RUNNING");
    const m = new Management({ home: h });
    const waiting = m.submit(execute(2));
    const dead = m.store.get(id);
    expect(dead.phase).toBe("FAILED");
    expect(dead.reason).toBe(`the process running the job (pid ${pid}) exited`);
    expect(m.store.get(waiting.id).phase).toBe("RUNNING");
  });

  it("takes the heartbeat timeout from WSC_HEARTBEAT_TIMEOUT_SEC and refuses a value that is not seconds > 0", () => {
    expect(heartbeatTimeoutSec({})).toBe(600);
    expect(heartbeatTimeoutSec({ WSC_HEARTBEAT_TIMEOUT_SEC: "30" })).toBe(30);
    expect(() => heartbeatTimeoutSec({ WSC_HEARTBEAT_TIMEOUT_SEC: "soon" })).toThrow(
      /WSC_HEARTBEAT_TIMEOUT_SEC="soon" is not a number of seconds > 0/,
    );
    expect(() => heartbeatTimeoutSec({ WSC_HEARTBEAT_TIMEOUT_SEC: "0" })).toThrow(/> 0/);
  });

  it("reaps a job whose heartbeat is older than the timeout", () => {
    const m = new Management({ home: home(), heartbeatTimeoutMs: 60_000 });
    const t0 = Date.now();
    const a = m.submit(execute(1), t0);
    m.schedule(t0 + 59_000);
    expect(m.store.get(a.id).phase).toBe("RUNNING");
    m.schedule(t0 + 61_000);
    expect(m.store.get(a.id).phase).toBe("FAILED");
    expect(m.store.get(a.id).reason).toMatch(/sent no heartbeat for 61 s \(timeout 60 s\)/);
  });
});

describe("cancel, labels and priority", () => {
  it("cancels a queued job at once, asks a running one to stop, and refuses a finished one", () => {
    const m = new Management({ home: home() });
    const a = m.submit(execute(2));
    const b = m.submit(execute(2));
    expect(m.cancel(b.id, "ann")).toBe("cancelled");
    expect(m.store.get(b.id)).toMatchObject({ phase: "CANCELLED", reason: "cancelled by ann while QUEUED" });
    expect(m.cancel(a.id, "ann")).toBe("requested");
    expect(m.store.get(a.id)).toMatchObject({ phase: "RUNNING", cancelRequested: true });
    expect(() => m.cancel(b.id)).toThrow(JobPhaseError);
    expect(() => m.cancel("wsjob-aaaaaaaaaaaaaaaaaaaaaa")).toThrow(/not in the job store/);
  });

  it("sets and removes labels with key=value and key-, and rejects malformed ones", () => {
    const m = new Management({ home: home() });
    const a = m.submit({ ...execute(1), labels: { name: "unet", team: "x" } });
    m.label(a.id, [parseLabelChange("testlabel=test"), parseLabelChange("team-")]);
    expect(m.store.get(a.id).labels).toEqual({ name: "unet", testlabel: "test" });
    expect(() => parseLabelChange("novalue")).toThrow(LabelError);
    expect(() => parseLabelChange("bad key=1")).toThrow(/key "bad key"/);
    expect(() => parseLabelChange(`k=${"v".repeat(64)}`)).toThrow(/at most 63/);
  });

  it("maps p1/p2/p3 to 199/299/399 and rejects other names", () => {
    const m = new Management({ home: home() });
    expect(["p1", "p2", "p3"].map((p) => m.priorityValue(p))).toEqual([199, 299, 399]);
    const a = m.submit(execute(1));
    expect(a.priority).toBe(299);
    expect(m.setPriority(a.id, "p1").priority).toBe(199);
    expect(() => m.setPriority(a.id, "p0")).toThrow(PriorityError);
  });
});

describe("a job owned by this process", () => {
  it("a Ctrl-C that arrives as the job is submitted cancels it (the handler is in place before the submit)", async () => {
    const m = new Management({ home: home() });
    const a = m.submit(execute(2)); // holds both systems: the next job queues
    const say: string[] = [];
    // the signal is sent from inside the submit, after the record is written: the moment another process
    // (the user's `wsc ctl get jobs`, or a test) can already see the job QUEUED
    const b = new OwnedJob(m, () => {
      const j = m.submit(execute(1));
      process.kill(process.pid, "SIGINT");
      return j;
    });
    await new Promise((r) => setTimeout(r, 50)); // the signal is delivered on a later turn of the event loop
    await expect(b.waitUntilRunning((l) => say.push(l), 10)).rejects.toBeInstanceOf(JobEndedError);
    expect(m.store.get(b.id).phase).toBe("CANCELLED");
    expect(process.listenerCount("SIGINT")).toBe(0); // the handlers are removed with the job
    m.finish(a.id, "SUCCEEDED", "");
    m.close();
  });
});
