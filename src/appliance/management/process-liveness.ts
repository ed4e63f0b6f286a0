// Is the process that owns a job still there? On the same host: the pid exists and, where /proc tells it,
// it is the same process (its start time matches, so a reused pid does not keep a dead job alive).
import { readFileSync } from "node:fs";

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null off Linux. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // field 22 overall; fields[0] here is field 3
  } catch {
    return null;
  }
}

/** Whether process `pid` exists (a process of another user counts as existing). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process recorded as (pid, start time) on this host is still running. */
export function processAlive(pid: number, procStart: string | null): boolean {
  if (!pidExists(pid)) return false;
  if (procStart === null) return true;
  const now = processStartTime(pid);
  return now === null || now === procStart;
}
