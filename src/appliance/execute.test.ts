// `wsc run CSX` executing, in process: the message sequence, the job store, model_dir, and resuming.
import { existsSync, mkdtempSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseParams } from "../frontends/params/index.js";
import { readCheckpoint } from "./checkpoint.js";
import { executeCsx } from "./execute.js";
import type { CsxExecuteRequest } from "./execute.js";
import { Management, wscHome } from "./management/index.js";
import { syntheticData, tinyGptParams } from "./testing.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "wsc-exec-"));
  const mgmt = new Management({ home: wscHome({ WSC_HOME: join(dir, "home") }) });
  return { dir, mgmt };
}

function request(
  dir: string,
  mgmt: Management,
  text: string,
  o: Partial<CsxExecuteRequest> = {},
): CsxExecuteRequest {
  const f = join(dir, "params.yaml");
  writeFileSync(f, text);
  const params = parseParams(f, text);
  return {
    params,
    settings: { mode: "train", globalBatch: params.run.train!.batchSize, optimizer: "adamw" },
    mode: "train",
    modelDir: join(dir, "model_dir"),
    compileDir: join(dir, "compile"),
    numCsx: 2,
    workersPerCsx: 0,
    labels: { name: "tiny" },
    priority: "p2",
    mountDirs: [],
    openData: syntheticData,
    management: mgmt,
    ...o,
  };
}

describe("run CSX execution", () => {
  it("prints the real sequence, trains, and leaves checkpoints, logs and performance.json", async () => {
    const { dir, mgmt } = setup();
    const lines: string[] = [];
    const r = await executeCsx(request(dir, mgmt, tinyGptParams()), (l) => lines.push(l));
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
    let at = -1;
    for (const o of order) {
      const i = lines.findIndex((l, k) => k > at && l.startsWith(o));
      expect(i, o).toBeGreaterThan(at);
      at = i;
    }
    expect(
      lines.filter((l) =>
        /INFO: {3}\| Train Device=CSX, Step=\d, Loss=\d+\.\d{5}, Rate=\d+\.\d\d samples\/sec, GlobalRate=\d+\.\d\d samples\/sec$/.test(
          l,
        ),
      ),
    ).toHaveLength(4);
    expect(lines.some((l) => l.endsWith("Training completed successfully!"))).toBe(true);
    expect(lines.some((l) => /Processed 32 sample\(s\) in \d+\.\d{9} seconds\.$/.test(l))).toBe(true);
    expect(
      lines.some((l) =>
        l.startsWith("Emulation: the times and rates above are the modeled CS-X device time"),
      ),
    ).toBe(true);
    const md = join(dir, "model_dir");
    for (const f of [
      "checkpoint_2.mdl",
      "checkpoint_4.mdl",
      "performance.json",
      "train/params_train.yaml",
      "latest_run.log",
    ])
      expect(existsSync(join(md, f)), f).toBe(true);
    expect(readlinkSync(join(md, "cerebras_logs", "latest"))).toMatch(/^\d{8}_\d{6}$/);
    const jobs = mgmt.store.list();
    expect(jobs.map((j) => [j.kind, j.phase])).toEqual([
      ["compile", "SUCCEEDED"],
      ["execute", "SUCCEEDED"],
    ]);
    expect(jobs[0].workflowId).toBe(jobs[1].workflowId);
    expect(jobs[1].systems).toEqual(["cs2-01", "cs2-02"]);
    expect(r.steps).toBe(4);
    expect(readCheckpoint(join(md, "checkpoint_4.mdl")).step).toBe(4);
  });

  it("a second run finds the cached compile and resumes from the latest checkpoint to the same weights", async () => {
    const { dir, mgmt } = setup();
    const whole = await executeCsx(
      request(dir, mgmt, tinyGptParams({ maxSteps: 4 }), { modelDir: join(dir, "a") }),
      () => {},
    );
    expect(whole.steps).toBe(4);
    await executeCsx(
      request(dir, mgmt, tinyGptParams({ maxSteps: 2 }), { modelDir: join(dir, "b") }),
      () => {},
    );
    const lines: string[] = [];
    const rest = await executeCsx(
      request(dir, mgmt, tinyGptParams({ maxSteps: 4 }), { modelDir: join(dir, "b") }),
      (l) => lines.push(l),
    );
    expect(rest.steps).toBe(2);
    expect(lines.some((l) => l.startsWith('Found existing cached compile with hash: "cs_'))).toBe(true);
    expect(lines.some((l) => l.includes("checkpoint_2.mdl (step 2)"))).toBe(true);
    const a = readCheckpoint(join(dir, "a", "checkpoint_4.mdl")).weights;
    const b = readCheckpoint(join(dir, "b", "checkpoint_4.mdl")).weights;
    for (const [k, v] of Object.entries(a.params)) expect(b.params[k], k).toEqual(v);
    for (const [k, v] of Object.entries(a.optimizer!.buffers)) expect(b.optimizer!.buffers[k], k).toEqual(v);
  });
});
