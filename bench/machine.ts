// What every benchmark reports beside its figures: the machine it ran on (lscpu's model name, the cores Node
// sees, the Node version), and the median it takes of repeated measurements.
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

/** lscpu's "Model name", else Node's view of the first CPU. */
function cpuModel(): string {
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync("lscpu", { encoding: "utf8" }));
    if (m) return m[1].trim();
  } catch {
    /* lscpu missing: fall back to Node's view */
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function machine(): Machine {
  return { cpu: cpuModel(), cores: os.cpus().length, node: process.version };
}

/** "machine: 2 cores, <model name>, Node v20.x" */
export function machineLine(m: Machine): string {
  return `machine: ${m.cores} cores, ${m.cpu}, Node ${m.node}`;
}

/** The median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
