// The appliance across real processes sharing one job store: two runs that each need both systems run one
// after the other (one QUEUED while the other RUNS), cancel in each phase, and a run killed mid-way that
// resumes from its last checkpoint to the weights of an uninterrupted run, its first job FAILED with the
// reason in the store.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../src/runtime/index.js";
import { Management, wscHome } from "../src/appliance/management/index.js";
import type { JobRecord } from "../src/appliance/management/index.js";
import { WSC, wsc } from "./helpers.js";

/** A tiny GPT on synthetic tokens: each step takes milliseconds. */
function params(maxSteps: number, checkpointSteps: number, logSteps = 1): string {
  return `
train_input: { data_processor: DummyDataProcessor, batch_size: 4, max_sequence_length: 8, num_examples: 100000, shuffle: false }
model: { hidden_size: 16, vocab_size: 32, num_hidden_layers: 1, num_heads: 2, filter_size: 32,
         max_position_embeddings: 8, dropout_rate: 0.1, mixed_precision: false }
optimizer: { optimizer_type: AdamW, learning_rate: 0.01, max_gradient_norm: 1.0 }
runconfig: { max_steps: ${maxSteps}, log_steps: ${logSteps}, checkpoint_steps: ${checkpointSteps}, seed: 5 }
`;
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  done: Promise<number>;
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "wsc-proc-"));
  const env = { WSC_HOME: join(dir, "home") };
  const mgmt = new Management({ home: wscHome(env) });
  const start = (name: string, maxSteps: number, ckpt: number, logSteps = 1): Proc => {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, params(maxSteps, ckpt, logSteps));
    const child = spawn(
      process.execPath,
      [
        WSC,
        "run",
        "CSX",
        "-p",
        f,
        "-m",
        "train",
        "--num_csx",
        "2",
        "-o",
        join(dir, name),
        "--job_labels",
        `name=${name}`,
      ],
      { cwd: dir, env: { ...process.env, ...env } },
    );
    let text = "";
    child.stdout.on("data", (b) => (text += b));
    child.stderr.on("data", (b) => (text += b));
    // "close": the process exited and its output streams are drained
    const done = new Promise<number>((res) =>
      child.on("close", (code, sig) => res(code ?? (sig ? 128 : -1))),
    );
    return { child, out: () => text, done };
  };
  const execJob = (name: string): JobRecord | undefined =>
    mgmt.store.list().find((j) => j.kind === "execute" && j.labels.name === name);
  const until = async (what: string, ok: () => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const ctl = (args: string[]) => wsc(["ctl", ...args], { env, cwd: dir });
  return { dir, env, mgmt, start, execJob, until, ctl };
}

describe("the appliance across processes", () => {
  it("a run needing more systems than the cluster has exits 2 with both numbers and the fix, no stack trace", () => {
    const { dir, env, mgmt } = setup();
    const f = join(dir, "p.yaml");
    writeFileSync(f, params(2, 0));
    const r = wsc(["run", "CSX", "-p", f, "-m", "train", "--num_csx", "3"], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^wsc: error: the job needs 3 CS-X systems \(--num_csx=3\) but the cluster has 2: use --num_csx between 1 and 2/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(mgmt.store.list()).toHaveLength(0);
  });

  it("runs two jobs needing both systems one after the other, the second QUEUED meanwhile", async () => {
    const { mgmt, start, execJob, until, ctl } = setup();
    // a runs a few seconds (thousands of millisecond steps): long enough for b to start and queue
    const a = start("a", 8000, 0, 1000);
    await until("a RUNNING", () => execJob("a")?.phase === "RUNNING");
    const b = start("b", 3, 0);
    await until("b QUEUED", () => execJob("b")?.phase === "QUEUED");
    const table = ctl(["get", "jobs"]).stdout;
    const ja = execJob("a")!;
    const jb = execJob("b")!;
    expect(table).toMatch(
      new RegExp(`${ja.id}\\s+\\S+\\s+\\S+\\s+execute\\s+P2\\s+RUNNING\\s+cs2-01,cs2-02\\s+\\S+\\s+name=a`),
    );
    expect(table).toMatch(new RegExp(`${jb.id}\\s+\\S+\\s+-\\s+execute\\s+P2\\s+QUEUED\\s+-`));
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);
    expect(b.out()).toContain(
      "current job is top of queue but likely blocked by running jobs, 1 execute job(s) running using 2 system(s)",
    );
    expect(b.out()).toContain("please run 'wsc ctl get jobs'");
    const [fa, fb] = [mgmt.store.get(ja.id), mgmt.store.get(jb.id)];
    expect([fa.phase, fb.phase]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(fb.startedAt!).toBeGreaterThanOrEqual(fa.endedAt!);
  }, 180_000);

  it("cancels a queued job at once and a running one at its next step boundary, keeping its checkpoint", async () => {
    const { dir, mgmt, start, execJob, until, ctl } = setup();
    const a = start("a", 1_000_000, 50, 1000);
    await until("a past its first checkpoint", () => existsSync(join(dir, "a", "checkpoint_50.mdl")));
    const b = start("b", 3, 0);
    await until("b QUEUED", () => execJob("b")?.phase === "QUEUED");
    const jb = execJob("b")!;
    expect(ctl(["cancel", "job", jb.id]).stdout).toBe("Job canceled successfully\n");
    expect(await b.done).toBe(1);
    expect(b.out()).toMatch(new RegExp(`job ${jb.id} is CANCELLED: cancelled by \\S+ while QUEUED`));
    const ja = execJob("a")!;
    expect(ctl(["cancel", "job", ja.id]).stdout).toMatch(/^Job canceled successfully/);
    expect(await a.done).toBe(1);
    const fa = mgmt.store.get(ja.id);
    expect(fa.phase).toBe("CANCELLED");
    expect(fa.reason).toMatch(/^cancelled by request at step \d+; last checkpoint .*checkpoint_\d+\.mdl$/);
    expect(a.out()).toMatch(/Job cancelled by request: stopped at step \d+/);
    expect(mgmt.systemStates().every((s) => s.job === null)).toBe(true);
  }, 180_000);

  it("Ctrl-C cancels a queued job at once and stops a running one at its next step boundary", async () => {
    const { dir, mgmt, start, execJob, until } = setup();
    const a = start("a", 1_000_000, 50, 1000);
    await until("a past its first checkpoint", () => existsSync(join(dir, "a", "checkpoint_50.mdl")));
    const b = start("b", 3, 0);
    await until("b QUEUED", () => execJob("b")?.phase === "QUEUED");
    b.child.kill("SIGINT");
    expect(await b.done).toBe(1);
    expect(mgmt.store.get(execJob("b")!.id).phase).toBe("CANCELLED");
    a.child.kill("SIGINT");
    expect(await a.done).toBe(1);
    const fa = mgmt.store.get(execJob("a")!.id);
    expect(fa.phase).toBe("CANCELLED");
    expect(fa.reason).toMatch(/^interrupted by SIGINT at step \d+; last checkpoint .*checkpoint_\d+\.mdl$/);
    expect(a.out()).toMatch(/Job interrupted by SIGINT: stopped at step \d+/);
    expect(mgmt.systemStates().every((s) => s.job === null)).toBe(true);
  }, 180_000);

  it("a killed run is reaped FAILED with the reason, and the same command resumes to the uninterrupted weights", async () => {
    const { dir, mgmt, start, execJob, until, ctl } = setup();
    // thousands of millisecond steps, a checkpoint every 500: the kill lands mid-run
    const whole = start("whole", 3000, 500, 1000);
    expect(await whole.done).toBe(0);
    const k = start("k", 3000, 500, 1000);
    await until("k's checkpoint at step 500", () => existsSync(join(dir, "k", "checkpoint_500.mdl")));
    k.child.kill("SIGKILL");
    await k.done;
    const first = execJob("k")!;
    const listed = ctl(["get", "jobs", "-a"]).stdout; // any process's scheduling pass reaps it
    expect(listed).toMatch(new RegExp(`${first.id}\\s+.*FAILED`));
    expect(mgmt.store.get(first.id).reason).toBe(`the process running the job (pid ${k.child.pid}) exited`);
    expect(existsSync(join(dir, "k", "checkpoint_3000.mdl"))).toBe(false);
    const again = start("k", 3000, 500, 1000);
    expect(await again.done).toBe(0);
    expect(again.out()).toMatch(/Loaded checkpoint .*checkpoint_(\d+)\.mdl \(step \1\)/);
    const a = readCheckpoint(join(dir, "whole", "checkpoint_3000.mdl")).weights;
    const b = readCheckpoint(join(dir, "k", "checkpoint_3000.mdl")).weights;
    for (const [name, v] of a) expect(b.get(name)!.data, name).toEqual(v.data);
  }, 180_000);
});
