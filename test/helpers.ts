// Helpers for tests that run the built `wsc` command as a user would.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WSC = fileURLToPath(new URL("../bin/wsc.js", import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `wsc ...args` (the built CLI in dist/) and capture its output. */
export function wsc(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): RunResult {
  const r = spawnSync(process.execPath, [WSC, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `wsc` as a promise, for runs of a minute or more: the test worker's event loop stays free (a long spawnSync
 * blocks it, and the test runner's heartbeat to the worker times out).
 */
export function wscAsync(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WSC, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The training losses a run prints (`| Train Device=.., Step=.., Loss=..`), as printed. */
export const trainLosses = (log: string) =>
  [...log.matchAll(/Train Device=\w+, Step=\d+, Loss=([\d.e-]+)/g)].map((m) => m[1]);

/** An evaluation metric a run prints (`- eval/NAME = V`). */
export const evalMetric = (log: string, name: string) =>
  Number(new RegExp(`- ${name} = ([\\d.e-]+)`).exec(log)?.[1]);

/** `run CPU` and `run CSX -m train --max_steps N` of one params file, in folders under `dir`. */
export async function cpuAndCsx(params: string, dir: string, steps: number) {
  const n = ["--max_steps", String(steps)];
  const cpu = await wscAsync(["run", "CPU", "-p", params, "-m", "train", ...n, "-o", `${dir}/cpu-${steps}`]);
  const csx = await wscAsync(["run", "CSX", "-p", params, "-m", "train", ...n, "-o", `${dir}/csx-${steps}`], {
    env: { WSC_HOME: `${dir}/home` },
  });
  return { cpu, csx };
}
