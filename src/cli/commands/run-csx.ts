// `wsc run CSX`: compile a Model Zoo model for the cluster's CS-X systems, as `run.py CSX` does, and report
// what the hardware would do. `--validate_only` stops after kernel matching (what a login node can check);
// `--compile_only` compiles (or finds the cached compile), writes the compile report, the wafer map and
// performance.json to the model directory, and executes nothing.
import { resolve } from "node:path";
import type { ClusterSpec, SystemKind } from "../../hw/index.js";
import { compile, compileCached, NULL_TARGET } from "../../compiler/index.js";
import type { CompileArtifact, ExecutionMode, RunSettings } from "../../compiler/index.js";
import { loadJobCluster } from "../../frontends/cluster-file.js";
import { homeClusterFile } from "../../appliance/management/home.js";
import type { ModelIR } from "../../model/index.js";
import { estimateStep, perfTimeModel } from "../../perf/index.js";
import { WscError } from "../../util/errors.js";
import { buildReport, writeCompileReport } from "../../perf/report.js";
import type { CompileReport } from "../../perf/report.js";

export interface CsxOptions {
  readonly mode: "train" | "eval";
  readonly numCsx?: number;
  readonly validateOnly?: boolean;
  readonly compileOnly?: boolean;
  readonly modelDir: string;
  readonly compileDir: string;
  readonly system?: SystemKind;
  readonly cluster?: string;
  readonly executionStrategy?: ExecutionMode;
}

/** What a params file gives the CSX run: the model and the run settings the compiler needs. */
export interface CsxJob {
  readonly paramsFile: string;
  readonly model: ModelIR;
  readonly run: RunSettings;
}

export interface CsxResult {
  readonly artifact?: CompileArtifact;
  readonly report?: CompileReport;
  /** Files written to the model directory. */
  readonly files: readonly string[];
}

/**
 * The systems a job uses: `--num_csx` of the cluster's. The cluster is `--cluster` (what-if hardware), else
 * the one the appliance schedules on (`$WSC_HOME/cluster.yaml`, or the default), as for an executed run.
 */
export function jobCluster(o: CsxOptions): ClusterSpec {
  return loadJobCluster({ ...o, cluster: o.cluster ?? homeClusterFile() ?? undefined });
}

/** Run the CSX job: validate, or compile and report. `say` prints a line for the user. */
export function runCsx(job: CsxJob, o: CsxOptions, say: (line: string) => void): CsxResult {
  if (o.validateOnly && o.compileOnly)
    throw new WscError("--validate_only and --compile_only are mutually exclusive: give one of them");
  if (!o.validateOnly && !o.compileOnly)
    throw new WscError(
      "executing on the CS-X appliance is not available in this build: add --compile_only (compile and " +
        "estimate) or --validate_only (check the model against the wafer)",
      1,
    );
  const cluster = jobCluster(o);
  const run: RunSettings = {
    ...job.run,
    mode: o.mode,
    ...(o.executionStrategy !== undefined && { executionStrategy: o.executionStrategy }),
  };
  const input = { model: job.model, run, cluster };
  const time = perfTimeModel();
  if (o.validateOnly) {
    say("Validating the model against the wafer (no appliance needed).");
    const r = compile(input, { time, stopAfter: "kernel-matching" });
    for (const p of r.passes) say(`  ${p.name}: ${p.summary}`);
    say("Validation was successful!");
    return { files: [] };
  }
  say("Compiling the model. This may take a few minutes.");
  const t0 = performance.now();
  const compileDir = resolve(o.compileDir);
  const c = compileCached(input, compileDir, { time });
  const compileSeconds = (performance.now() - t0) / 1000;
  if (c.cached) say(`Found existing cached compile with hash: "${c.artifact.hash}"`);
  else {
    say(
      `Compile artifacts successfully written to remote compile directory. Compile hash is: ${c.artifact.hash}`,
    );
    say(`  (${c.path})`);
  }
  say("Compile was successful!");
  NULL_TARGET.load(c.artifact);
  const e = estimateStep(c.artifact, cluster);
  const report = buildReport(c.artifact, e, cluster, c.cached);
  const dir = resolve(o.modelDir);
  const perfJson = {
    est_samples_per_sec: e.samplesPerSec,
    est_device_seconds_per_step: e.deviceSecondsPerStep,
    compile_time: compileSeconds,
    compile_hash: c.artifact.hash,
    execution_strategy: c.artifact.decision.mode,
    num_csx: cluster.numSystems,
  };
  const { files, text } = writeCompileReport(dir, report, cluster, [
    ["performance.json", JSON.stringify(perfJson, null, 2) + "\n"],
  ]);
  say("");
  say(text);
  say("");
  say(`Wrote ${files.join(", ")}`);
  return { artifact: c.artifact, report, files };
}
