// Where the dashboard of this WSC_HOME is served, if one is running: `wsc serve` records its address in
// `$WSC_HOME/dashboard.json` (its URL, pid, the pid's start time and host) and removes it when it stops, so
// `wsc ctl get jobs` can print each job's dashboard link. A record whose process is gone (on this host, no
// process with that pid and start time) is stale and ignored, as a dead job's process is.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { WscHome } from "./home.js";
import { processAlive, processStartTime } from "./process-liveness.js";

/** What a running dashboard server records. */
export interface DashboardRecord {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly pid: number;
  readonly procStart: string | null;
  readonly host: string;
  /** Epoch ms. */
  readonly startedAt: number;
}

/** `$WSC_HOME/dashboard.json`. */
export function dashboardFile(home: WscHome): string {
  return join(home.dir, "dashboard.json");
}

/** Record this process as the dashboard serving `url` (written atomically: temporary file, then rename). */
export function recordDashboard(home: WscHome, url: string, now = Date.now()): DashboardRecord {
  const rec: DashboardRecord = {
    url: url.replace(/\/+$/, ""),
    pid: process.pid,
    procStart: processStartTime(process.pid),
    host: hostname(),
    startedAt: now,
  };
  const file = dashboardFile(home);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(rec, null, 2) + "\n");
  renameSync(tmp, file);
  return rec;
}

/**
 * The running dashboard of this WSC_HOME, or null: no record, an unreadable one, or a stale one (its process
 * on this host is gone). A record from another host cannot be checked and is taken as it is.
 */
export function runningDashboard(home: WscHome): DashboardRecord | null {
  let rec: DashboardRecord;
  try {
    rec = JSON.parse(readFileSync(dashboardFile(home), "utf8")) as DashboardRecord;
  } catch {
    return null;
  }
  if (typeof rec?.url !== "string" || typeof rec.pid !== "number") return null;
  if (rec.host === hostname() && !processAlive(rec.pid, rec.procStart ?? null)) return null;
  return rec;
}

/** Remove the record if it is this process's (another server may have replaced it since). */
export function clearDashboard(home: WscHome, pid = process.pid): void {
  let rec: DashboardRecord | null;
  try {
    rec = JSON.parse(readFileSync(dashboardFile(home), "utf8")) as DashboardRecord | null;
  } catch {
    return;
  }
  if (rec?.pid === pid && rec.host === hostname()) rmSync(dashboardFile(home), { force: true });
}

/** A job's page on a dashboard. */
export function jobDashboardUrl(base: string, jobId: string): string {
  return `${base}/jobs/${jobId}`;
}
