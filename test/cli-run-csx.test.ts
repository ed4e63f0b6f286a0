// `wsc run CSX` as a user runs it: the built CLI on the shipped Model Zoo configs.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyGptParams } from "../src/appliance/testing.js";
import { checkpointDifferences, readCheckpoint } from "../src/runtime/checkpoint.js";
import { ROOT, WSC, wsc } from "./helpers.js";

const cfg = (p: string) => join(ROOT, "configs", p);

describe("wsc run CSX", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsc-run-csx-"));
  const gptj = [
    "run",
    "CSX",
    "--params",
    cfg("gptj/params_gptj_6B.yaml"),
    "--mode",
    "train",
    "--num_csx",
    "2",
    "--compile_only",
    "--model_dir",
    join(dir, "gptj"),
    "--compile_dir",
    join(dir, "cache"),
  ];
  it("--compile_only on GPT-J 6B with 2 systems compiles weight streaming and writes performance.json", () => {
    const r = wsc(gptj);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Compiling the model. This may take a few minutes.");
    expect(r.stdout).toMatch(/Compile hash is: cs_\d+/);
    expect(r.stdout).toContain("Compile was successful!");
    expect(r.stdout).toMatch(/mode\s+weight_streaming/);
    const perf = JSON.parse(readFileSync(join(dir, "gptj", "performance.json"), "utf8"));
    // the shipped config is C3's run: within 15% of the measured 43.7 samples/s
    expect(Math.abs(perf.est_samples_per_sec / 43.7 - 1)).toBeLessThan(0.15);
  });
  it("a second compile prints the cached hash", () => {
    const first = JSON.parse(readFileSync(join(dir, "gptj", "performance.json"), "utf8"));
    const r = wsc(gptj);
    expect(r.stdout).toContain(`Found existing cached compile with hash: "${first.compile_hash}"`);
  });
  it("BERT-Large batch 1024 on one CS-2 compiles pipelined", () => {
    const r = wsc([
      "run",
      "CSX",
      "-p",
      cfg("bert/bert_large_MSL128.yaml"),
      "-m",
      "train",
      "--compile_only",
      "-o",
      join(dir, "bert"),
      "-c",
      join(dir, "cache"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mode\s+pipeline: pipeline predicted faster/);
  });
  it("runconfig.execution_strategy: weight_streaming in the params file forces BERT-Large off the pipeline", () => {
    const f = join(dir, "bert_ws.yaml");
    const text = readFileSync(cfg("bert/bert_large_MSL128.yaml"), "utf8");
    writeFileSync(
      f,
      text.replace("runconfig:\n", 'runconfig:\n    execution_strategy: "weight_streaming"\n'),
    );
    const r = wsc([
      "run",
      "CSX",
      "-p",
      f,
      "-m",
      "train",
      "--compile_only",
      "-o",
      join(dir, "bws"),
      "-c",
      join(dir, "cache"),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/mode\s+weight_streaming \(forced by execution_strategy\)/);
  });
  it("--validate_only checks LLaMA-7B without compiling", () => {
    const r = wsc(["run", "CSX", "-p", cfg("llama/params_llama_7b.yaml"), "-m", "train", "--validate_only"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kernel-matching:");
    expect(r.stdout).toContain("Validation was successful!");
  });
  it("a forced pipeline on 2 systems exits 2 with the reason and no stack trace", () => {
    const r = wsc([...gptj, "--execution_strategy", "pipeline"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("wsc: error: execution_strategy pipeline cannot run");
    expect(r.stderr).toContain("more than one system requires weight streaming");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
  it("--num_csx beyond the default 2 systems is an error; a cluster file with 8 systems makes --num_csx 8 a what-if", () => {
    const bad = wsc([
      ...gptj.slice(0, 7),
      "16",
      "--compile_only",
      "-o",
      join(dir, "x"),
      "-c",
      join(dir, "cache"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("the job needs 16 CS-X systems (--num_csx=16) but the cluster has 2");
    // 120 samples split over 8 systems (15 each); a cluster file of 8 systems makes that a what-if
    const f = join(dir, "c8.yaml");
    writeFileSync(f, "num_systems: 8\n");
    const ok = wsc([
      ...gptj.slice(0, 7),
      "8",
      "--cluster",
      f,
      "--compile_only",
      "-o",
      join(dir, "x"),
      "-c",
      join(dir, "cache"),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/cluster\s+8 x CS-2/);
  });
  it("--compile_only without --cluster compiles for the cluster the appliance schedules on ($WSC_HOME/cluster.yaml)", () => {
    const home = mkdtempSync(join(tmpdir(), "wsc-home-"));
    writeFileSync(join(home, "cluster.yaml"), "num_systems: 4\n");
    const args = [
      ...gptj.slice(0, 7),
      "4",
      "--compile_only",
      "-o",
      join(dir, "h4"),
      "-c",
      join(dir, "cache"),
    ];
    const r = wsc(args, { env: { WSC_HOME: home } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cluster\s+4 x CS-2/);
    const bad = wsc([...gptj.slice(0, 7), "5", "--compile_only", "-o", join(dir, "h5")], {
      env: { WSC_HOME: home },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `the job needs 5 CS-X systems (--num_csx=5) but the cluster has 4: use --num_csx between 1 and 4, or raise num_systems in ${join(home, "cluster.yaml")}`,
    );
  });
  it("runconfig.keep_checkpoint_max keeps only the newest checkpoints, as run CPU does", () => {
    const params = join(dir, "mlp-keep.yaml");
    writeFileSync(
      params,
      readFileSync(cfg("tiny/mlp.yaml"), "utf8")
        .replace("max_steps: 100", "max_steps: 40")
        .replace("checkpoint_steps: 50", "checkpoint_steps: 10\n    keep_checkpoint_max: 2"),
    );
    const md = join(dir, "mlp-keep");
    const home = mkdtempSync(join(tmpdir(), "wsc-home-"));
    const r = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", md, "-c", join(dir, "cache")], {
      env: { WSC_HOME: home },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Saved checkpoint ${join(md, "checkpoint_10.mdl")}`);
    expect(readdirSync(md).filter((n) => n.endsWith(".mdl"))).toEqual([
      "checkpoint_30.mdl",
      "checkpoint_40.mdl",
    ]);
  });
  for (const strategy of ["pipeline", "weight_streaming"] as const) {
    it(`${strategy}: killed for real (SIGKILL) during training, it resumes and ends with the uninterrupted run's weights and optimizer state`, async () => {
      const params = join(dir, `kill-${strategy}.yaml`);
      writeFileSync(params, tinyGptParams({ maxSteps: 24, checkpointSteps: 2, logSteps: 4, strategy }));
      const home = mkdtempSync(join(tmpdir(), "wsc-home-"));
      const env = { ...process.env, WSC_HOME: home };
      const args = (md: string) => [
        "run",
        "CSX",
        "-p",
        params,
        "-m",
        "train",
        "-o",
        md,
        "-c",
        join(dir, "cache"),
      ];
      const full = join(dir, `kill-${strategy}-full`);
      const r0 = wsc(args(full), { env });
      expect(r0.code, r0.stderr).toBe(0);
      const d = join(dir, `kill-${strategy}`);
      const child = spawn(process.execPath, [WSC, ...args(d)], { cwd: ROOT, env, stdio: "ignore" });
      const deadline = Date.now() + 60_000;
      while (!existsSync(join(d, "checkpoint_6.mdl")) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 5));
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
      expect(existsSync(join(d, "checkpoint_24.mdl"))).toBe(false);
      const r = wsc(args(d), { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Loaded checkpoint .*checkpoint_\d+\.mdl \(step \d+\)/);
      expect(readdirSync(d).filter((n) => n.includes(".tmp-"))).toEqual([]);
      expect(readCheckpoint(join(d, "checkpoint_24.mdl")).optimizer?.step).toBe(24);
      expect(checkpointDifferences(join(full, "checkpoint_24.mdl"), join(d, "checkpoint_24.mdl"))).toEqual(
        [],
      );
      expect(JSON.parse(readFileSync(join(d, "performance.json"), "utf8")).execution_strategy).toBe(strategy);
    });
  }
});

describe("wsc run CSX, executed", () => {
  it("prints the job ids as run.py does, the mode the compiler chose and why, the modeled rate, and leaves the compile report in model_dir", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-run-csx-x-"));
    const md = join(dir, "md");
    const r = wsc([
      "run",
      "CSX",
      "-p",
      cfg("tiny/llama.yaml"),
      "-m",
      "train",
      "--max_steps",
      "2",
      "-o",
      md,
      "-c",
      join(dir, "cache"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const logDir = join(
      md,
      "cerebras_logs",
      readdirSync(join(md, "cerebras_logs")).find((d) => d !== "latest")!,
    );
    const ids = [
      ...r.stdout.matchAll(
        /INFO: {3}(compile|execute) job id: (wsjob-[a-z0-9]{22}), workflow id: (wflow-\S+), remote log path: (.+)$/gm,
      ),
    ];
    expect(ids.map((m) => m[1])).toEqual(["compile", "execute"]);
    expect(ids[0][3]).toBe(ids[1][3]);
    expect(ids[0][4]).toBe(logDir);
    // the ids are the ones `wsc ctl` lists
    const jobs = JSON.parse(wsc(["ctl", "get", "jobs", "-a", "-o", "json"]).stdout) as {
      name: string;
      type: string;
    }[];
    for (const m of ids) expect(jobs.find((j) => j.name === m[2])?.type).toBe(m[1]);
    const perf = JSON.parse(readFileSync(join(md, "performance.json"), "utf8"));
    expect(r.stdout).toMatch(new RegExp(`INFO: {3}Execution mode: ${perf.execution_strategy} \\(.+\\)`));
    const est = /INFO: {3}Estimated (\S+) samples\/s, .* \(modeled device time/.exec(r.stdout);
    expect(Number(est?.[1])).toBeCloseTo(perf.est_samples_per_sec, -1);
    expect(Number(est?.[1]) / perf.est_samples_per_sec).toBeCloseTo(1, 3);
    for (const f of ["compile_report.txt", "compile_report.json", "wafer_map.png"])
      expect(readdirSync(md)).toContain(f);
    const report = JSON.parse(readFileSync(join(md, "compile_report.json"), "utf8"));
    expect(report.mode).toBe(perf.execution_strategy);
    expect(report.hash).toBe(perf.compile_hash);
    expect(readFileSync(join(md, "wafer_map.png")).subarray(1, 4).toString()).toBe("PNG");
  });
});
