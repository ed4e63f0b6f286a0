// `wsc run CSX`: a Model Zoo params file on the cluster's CS-X systems, as `run.py CSX` takes it. It validates
// (--validate_only), compiles and estimates (--compile_only), or, without those flags, submits the run to the
// appliance, which compiles, queues, and trains it on `--num_csx` systems.
import { Option } from "commander";
import type { Command } from "commander";
import type { LoadedParams } from "../../frontends/index.js";
import type { ExecutionMode } from "../../compiler/index.js";
import { WscError } from "../../util/errors.js";
import { intOption, parseSystemKind, pathOption } from "../options.js";
import { runCsx } from "./run-csx.js";
import { addRunPyOptions, loadRunParams } from "./run-flags.js";
import type { RunPyFlags } from "./run-flags.js";
import type { CsxExecuteFlags } from "./run-csx-execute.js";
import type { CsxJob } from "./run-csx.js";

/** Model Zoo's modes; what the compiler compiles for each. */
const MODES = ["train", "eval", "train_and_eval", "eval_all"] as const;
type RunMode = (typeof MODES)[number];

/** The CSX job a loaded params file describes for a mode. */
export function csxJob(p: LoadedParams, mode: RunMode): CsxJob {
  const train = mode === "train" || mode === "train_and_eval";
  const data = train ? p.run.train : p.run.eval;
  if (!data)
    throw new WscError(
      `${p.file}: mode ${mode} needs ${train ? "a training input section (train_input)" : "an evaluation input section (eval_input)"} with batch_size`,
    );
  return {
    paramsFile: p.file,
    model: p.model,
    run: {
      mode: train ? "train" : "eval",
      globalBatch: data.batchSize,
      optimizer: p.run.optimizer?.kind ?? "adamw",
      momentum: p.run.optimizer?.momentum,
      ...(p.run.executionStrategy !== null && { executionStrategy: p.run.executionStrategy }),
    },
  };
}

/** The options as commander names them (run.py's underscores are kept). */
interface CsxFlags extends RunPyFlags {
  mode: RunMode;
  num_csx?: number;
  validate_only?: boolean;
  compile_only?: boolean;
  compile_dir: string;
  system?: "cs2" | "cs3";
  cluster?: string;
  execution_strategy?: ExecutionMode;
}

export function registerRunCsx(run: Command): void {
  const csx = run
    .command("CSX")
    .description(
      "run on the cluster's CS-X systems: submit the run to the appliance (compile job, queue, execute job on " +
        "--num_csx systems) and train it; --validate_only checks the model against the wafer, --compile_only " +
        "compiles, estimates and writes the compile report, wafer map and performance.json",
    );
  addRunPyOptions(csx, MODES)
    .option("--num_csx <n>", "CS-X systems the job uses (default 1)", intOption(1, 192))
    .option("--validate_only", "stop after kernel matching: check the model against the wafer (no appliance)")
    .option("--compile_only", "compile (or find the cached compile), estimate and report; execute nothing")
    .option(
      "-c, --compile_dir <dir>",
      "compile cache directory",
      pathOption("compile cache folder"),
      "./compile_dir",
    )
    .option("--system <kind>", "system type: cs2 or cs3 (overrides the cluster file)", parseSystemKind)
    .option(
      "--cluster <file>",
      "cluster file (YAML) for what-if hardware; default ALCF's 2 x CS-2",
      pathOption("cluster file"),
    )
    .addOption(
      new Option(
        "--execution_strategy <mode>",
        "force the execution mode (else the faster feasible one)",
      ).choices(["pipeline", "weight_streaming"]),
    )
    .option("--num_workers_per_csx <n>", "input workers per system (0 = automatic)", intOption(0, 1024))
    .option("--job_labels <labels...>", "labels of the job, key=value (wsc ctl get jobs -l key=value)")
    .option("--job_priority <p>", "scheduling priority: p1, p2 (default) or p3")
    .option(
      "--mount_dirs <dirs...>",
      "folders the job may read (recorded with the job; every folder is local here)",
    )
    .option("--python_paths <dirs...>", "accepted for run.py compatibility (no effect here)")
    .action(async (flags: CsxFlags & CsxExecuteFlags) => {
      const loaded = loadRunParams(flags);
      for (const w of loaded.warnings) process.stderr.write(`wsc: warning: ${w}\n`);
      if (!flags.validate_only && !flags.compile_only) {
        // loaded on use: the appliance, numerics and data are not needed to validate or compile
        const { executeCsxFromFlags } = await import("./run-csx-execute.js");
        await executeCsxFromFlags(loaded, csxJob(loaded, flags.mode).run, flags);
        return;
      }
      runCsx(
        csxJob(loaded, flags.mode),
        {
          mode: flags.mode === "train" || flags.mode === "train_and_eval" ? "train" : "eval",
          numCsx: flags.num_csx,
          validateOnly: flags.validate_only,
          compileOnly: flags.compile_only,
          modelDir: loaded.run.modelDir,
          compileDir: flags.compile_dir,
          system: flags.system,
          cluster: flags.cluster,
          executionStrategy: flags.execution_strategy,
        },
        (line) => process.stdout.write(line + "\n"),
      );
    });
}
