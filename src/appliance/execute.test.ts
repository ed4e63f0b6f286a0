// `wsc run CSX` executing, in process: the message sequence, the job store, model_dir, evaluation, resuming.
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseParams } from "../frontends/index.js";
import { readCheckpoint, runCpu } from "../runtime/index.js";
import { readTfRecords } from "../util/tfevents.js";
import { openDataFor } from "./data.js";
import { executeCsx } from "./execute.js";
import type { CsxExecuteRequest } from "./execute.js";
import { tempAppliance, tinyGptParams } from "./testing.js";
import type { Management } from "./management/index.js";

function request(
  dir: string,
  paramsFile: string,
  text: string,
  mgmt: Management,
  modelDir: string,
  o: Partial<CsxExecuteRequest> = {},
): CsxExecuteRequest {
  const params = parseParams(paramsFile, text, { modelDir: join(dir, modelDir) });
  return {
    params,
    settings: { mode: "train", globalBatch: 8, optimizer: "adamw" },
    mode: "train",
    compileDir: join(dir, "compile"),
    numCsx: 2,
    workersPerCsx: 0,
    labels: { name: "tiny" },
    priority: "p2",
    mountDirs: [],
    openData: openDataFor(params),
    management: mgmt,
    ...o,
  };
}

describe("run CSX execution", () => {
  it("prints the real sequence, trains, and leaves checkpoints, logs, event files and performance.json", async () => {
    const text = tinyGptParams();
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    const lines: string[] = [];
    const r = await executeCsx(request(dir, paramsFile, text, mgmt, "md"), (l) => lines.push(l));
    const order = [
      "Compiling the model. This may take a few minutes.",
      "Initiating a new compile wsjob...",
      "Compile artifacts successfully written to remote compile directory. Compile hash is: cs_",
      "Compile was successful!",
      "Programming Cerebras Wafer Scale Cluster for execution.",
      "Initiating a new execute wsjob...",
      "Preparing to execute using 2 CSX",
      "About to send initial weights",
      "Device programming is complete",
      "Input workers have begun streaming input data",
      "Beginning appliance run",
    ];
    // every status line carries run.py's log prefix, on the console as in the log file
    const PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO: {3}/;
    for (const l of lines) expect(l).toMatch(PREFIX);
    const messages = lines.map((l) => l.replace(PREFIX, ""));
    let at = -1;
    for (const o of order) {
      const i = messages.findIndex((l, k) => k > at && l.startsWith(o));
      expect(i, o).toBeGreaterThan(at);
      at = i;
    }
    const train = lines.filter((l) =>
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO: {3}\| Train Device=CSX, Step=\d, Loss=\d+\.\d+, Rate=\d+(\.\d+)? samples\/sec, GlobalRate=\d+(\.\d+)? samples\/sec$/.test(
        l,
      ),
    );
    expect(train).toHaveLength(4);
    expect(lines.some((l) => l.endsWith("Training completed successfully!"))).toBe(true);
    expect(lines.some((l) => /Processed 32 sample\(s\) in \d+\.\d{9} seconds\.$/.test(l))).toBe(true);
    expect(
      lines.some((l) =>
        l.includes("INFO:   Emulation: the times and rates above are the modeled CS-X device time"),
      ),
    ).toBe(true);
    const md = join(dir, "md");
    for (const f of [
      "checkpoint_2.mdl",
      "checkpoint_4.mdl",
      "performance.json",
      "train/params_train.yaml",
      "latest_run.log",
    ])
      expect(existsSync(join(md, f)), f).toBe(true);
    expect(readlinkSync(join(md, "cerebras_logs", "latest"))).toMatch(/^\d{8}_\d{6}$/);
    expect(readFileSync(join(md, "latest_run.log"), "utf8")).toContain("| Train Device=CSX, Step=4");
    const perf = JSON.parse(readFileSync(join(md, "performance.json"), "utf8"));
    expect(perf.total_samples).toBe(32);
    expect(perf.samples_per_sec).toBeCloseTo(32 / perf.total_time, 6);
    // every step of a run is the step the compiler estimated: the modeled rate equals the estimate
    expect(perf.samples_per_sec).toBeCloseTo(perf.est_samples_per_sec, 3);
    expect(perf.emulation_wall_seconds).toBeGreaterThan(0);
    const events = readdirSync(join(md, "train")).filter((f) => f.includes("tfevents"));
    expect(events).toHaveLength(1);
    expect(readTfRecords(readFileSync(join(md, "train", events[0])))).toHaveLength(5); // version + 4 steps
    const jobs = mgmt.store.list();
    expect(jobs.map((j) => [j.kind, j.phase])).toEqual([
      ["compile", "SUCCEEDED"],
      ["execute", "SUCCEEDED"],
    ]);
    expect(jobs[0].workflowId).toBe(jobs[1].workflowId);
    expect(jobs[1].systems).toEqual(["cs2-01", "cs2-02"]);
    expect(jobs[1].labels).toEqual({ name: "tiny" });
    expect(r.step).toBe(4);
    expect(readCheckpoint(join(md, "checkpoint_4.mdl")).step).toBe(4);
  });

  it("a pipelined run's modeled rate is the compiler's estimate: stages overlap, they do not add up", async () => {
    const text = tinyGptParams();
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    const req = request(dir, paramsFile, text, mgmt, "mp", { numCsx: 1, executionStrategy: "pipeline" });
    await executeCsx(req, () => {});
    const perf = JSON.parse(readFileSync(join(dir, "mp", "performance.json"), "utf8"));
    expect(perf.execution_strategy).toBe("pipeline");
    expect(perf.samples_per_sec).toBeCloseTo(perf.est_samples_per_sec, 3);
  });
  it("a second run finds the cached compile and resumes from the latest checkpoint to the same weights", async () => {
    const text4 = tinyGptParams({ maxSteps: 4 });
    const text2 = tinyGptParams({ maxSteps: 2 });
    const { dir, paramsFile, mgmt } = tempAppliance(text4);
    await executeCsx(request(dir, paramsFile, text4, mgmt, "a"), () => {});
    await executeCsx(request(dir, paramsFile, text2, mgmt, "b"), () => {});
    const lines: string[] = [];
    const rest = await executeCsx(request(dir, paramsFile, text4, mgmt, "b"), (l) => lines.push(l));
    expect([rest.startStep, rest.step]).toEqual([2, 4]);
    expect(lines.some((l) => l.includes('INFO:   Found existing cached compile with hash: "cs_'))).toBe(true);
    expect(lines.some((l) => /Loaded checkpoint .*checkpoint_2\.mdl \(step 2\)/.test(l))).toBe(true);
    const a = readCheckpoint(join(dir, "a", "checkpoint_4.mdl"));
    const b = readCheckpoint(join(dir, "b", "checkpoint_4.mdl"));
    for (const [k, v] of a.weights) expect(b.weights.get(k)!.data, k).toEqual(v.data);
    for (const [k, v] of Object.entries(a.optimizer!.buffers)) expect(b.optimizer!.buffers[k], k).toEqual(v);
  });

  it("evaluates through the systems with run CPU's metrics (train_and_eval)", async () => {
    const text = tinyGptParams({ maxSteps: 2 });
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    const lines: string[] = [];
    await executeCsx(request(dir, paramsFile, text, mgmt, "te", { mode: "train_and_eval" }), (l) =>
      lines.push(l),
    );
    expect(lines.some((l) => /\| Eval Device=CSX, Step=4, Loss=/.test(l))).toBe(true);
    expect(lines.some((l) => /Avg Eval Loss: \d/.test(l))).toBe(true);
    expect(lines.some((l) => /- eval\/lm_perplexity = \d/.test(l))).toBe(true);
    expect(lines.some((l) => l.endsWith("Evaluation completed successfully!"))).toBe(true);
  });

  it("--mode eval evaluates the latest checkpoint through 2 systems to run CPU's evaluation loss", async () => {
    const text = tinyGptParams({ maxSteps: 2 });
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    await executeCsx(request(dir, paramsFile, text, mgmt, "ev"), () => {});
    const csxLines: string[] = [];
    await executeCsx(request(dir, paramsFile, text, mgmt, "ev", { mode: "eval" }), (l) => csxLines.push(l));
    const cpuLines: string[] = [];
    await runCpu({
      params: parseParams(paramsFile, text, { modelDir: join(dir, "ev") }),
      mode: "eval",
      console: { line: (l) => cpuLines.push(l) },
    });
    const avg = (ls: string[]) =>
      Number(/Avg Eval Loss: (\S+)/.exec(ls.find((l) => l.includes("Avg Eval Loss"))!)![1]);
    const ppl = (ls: string[]) =>
      Number(/eval\/lm_perplexity = (\S+)/.exec(ls.find((l) => l.includes("lm_perplexity"))!)![1]);
    expect(csxLines.some((l) => /Loaded checkpoint .*checkpoint_2\.mdl \(step 2\)/.test(l))).toBe(true);
    expect(avg(csxLines)).toBeCloseTo(avg(cpuLines), 4);
    expect(ppl(csxLines)).toBeCloseTo(ppl(cpuLines), 3);
  });

  it("a compile job cancelled while it runs ends CANCELLED and no execute job is submitted", async () => {
    const text = tinyGptParams();
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    const say = (l: string) => {
      if (l.includes("INFO:   Compile artifacts successfully written")) {
        const cj = mgmt.store.list().find((j) => j.kind === "compile")!;
        expect(mgmt.cancel(cj.id, "ann")).toBe("requested");
      }
    };
    await expect(executeCsx(request(dir, paramsFile, text, mgmt, "c"), say)).rejects.toThrow(
      /is CANCELLED: cancelled while compiling/,
    );
    expect(mgmt.store.list().map((j) => [j.kind, j.phase])).toEqual([["compile", "CANCELLED"]]);
  });

  it("an unknown priority fails before anything is submitted", async () => {
    const text = tinyGptParams();
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    await expect(
      executeCsx(request(dir, paramsFile, text, mgmt, "p", { priority: "p7" }), () => {}),
    ).rejects.toThrow(/"p7" is not a job priority: use one of p1, p2, p3/);
    expect(mgmt.store.list()).toHaveLength(0);
  });

  it("a job needing more systems than the cluster has fails at submission with both numbers and the fix", async () => {
    const text = tinyGptParams();
    const { dir, paramsFile, mgmt } = tempAppliance(text);
    await expect(
      executeCsx(request(dir, paramsFile, text, mgmt, "x", { numCsx: 3 }), () => {}),
    ).rejects.toThrow(
      /needs 3 CS-X systems \(--num_csx=3\) but the cluster has 2: use --num_csx between 1 and 2, or raise num_systems in .*cluster\.yaml/,
    );
    expect(mgmt.store.list()).toHaveLength(0);
  });
});
