// Where the management role keeps its state: `$WSC_HOME` (default `~/.wsc`), holding the job store
// `jobs.db` and, optionally, the cluster description `cluster.yaml` (a cluster file as `wsc system --cluster`
// reads it). Without a cluster file the cluster is ALCF's: 2 CS-2 systems.
import { existsSync } from "node:fs";
import { makeDirs } from "../../util/fs.js";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { systemNames } from "../../hw/index.js";
import type { ClusterSpec } from "../../hw/index.js";
import { loadCluster } from "../../frontends/cluster-file.js";
import { JobStoreError } from "./errors.js";

export { systemNames };

export interface WscHome {
  /** The folder: `$WSC_HOME`, or `~/.wsc`. */
  readonly dir: string;
  /** The job store: `<dir>/jobs.db`. */
  readonly dbFile: string;
  /** The cluster file, when `<dir>/cluster.yaml` exists; null means the default cluster. */
  readonly clusterFile: string | null;
}

/** The folder WSC_HOME names (or `~/.wsc`), resolved; nothing is created. */
function wscHomeDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.WSC_HOME && env.WSC_HOME.length > 0 ? env.WSC_HOME : join(homedir(), ".wsc"));
}

/** `$WSC_HOME/cluster.yaml` when it exists, else null (the default cluster); nothing is created. */
export function homeClusterFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const path = join(wscHomeDir(env), "cluster.yaml");
  return existsSync(path) ? path : null;
}

/** Resolve WSC_HOME from the environment and create the folder if needed. */
export function wscHome(env: NodeJS.ProcessEnv = process.env): WscHome {
  const dir = wscHomeDir(env);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new JobStoreError(
      `cannot create WSC_HOME ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; ` +
        `set WSC_HOME to a writable folder`,
    );
  }
  return { dir, dbFile: join(dir, "jobs.db"), clusterFile: homeClusterFile(env) };
}

/** The cluster management schedules onto: `$WSC_HOME/cluster.yaml`, or the default (2 CS-2). */
export function homeCluster(home: WscHome): ClusterSpec {
  return loadCluster(home.clusterFile ?? undefined);
}

/** The OS user who owns jobs this process submits. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "unknown";
  }
}
