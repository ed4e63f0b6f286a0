// The compile report of a job, as the terminal and compile_report.json give it (src/cli/compile-report.ts):
// rebuilt from the job's compile artifact (the compile job records its path) with the performance model's
// estimate on the cluster of $WSC_HOME, or, when the compile cache no longer holds the artifact, read from
// model_dir/compile_report.json if that file is of the same compile. Reports and wafer maps are kept by hash.
import { readJobFile } from "./job-files.js";
import { dirname, join } from "node:path";
import type { JobRecord, Management } from "../appliance/management/index.js";
import { readCachedArtifact } from "../compiler/index.js";
import type { ClusterSpec } from "../hw/index.js";
import { kernelRect } from "../hw/index.js";
import { estimateStep } from "../perf/index.js";
import { WscError } from "../util/errors.js";
import { loadJobCluster } from "../frontends/cluster-file.js";
import { buildReport, groupLayers, reportPng } from "../perf/report.js";
import type { CompileReport } from "../perf/report.js";
import type { ReportPayload } from "./client/types.js";

interface Built {
  readonly payload: ReportPayload;
  /** The wafer map: rendered from the report, or model_dir/wafer_map.png beside a compile_report.json. */
  png(): Buffer | null;
}

export type ReportLookup = { ok: true; built: Built } | { ok: false; why: string };

function payload(report: CompileReport, source: string, cluster: ClusterSpec): ReportPayload {
  const w = cluster.system.wafer;
  const k = kernelRect(w);
  return {
    source,
    report,
    groups: groupLayers(report.layers).map((g) => ({
      name: g.name,
      count: g.count,
      index: report.layers.indexOf(g.layer),
    })),
    wafer: {
      name: w.name,
      fabricWidth: w.fabricWidth,
      fabricHeight: w.fabricHeight,
      kernelWidth: k.width,
      kernelHeight: k.height,
      halo: { west: w.halo.west, north: w.halo.north },
    },
  };
}

export class ReportCache {
  private readonly byHash = new Map<string, Built>();
  /** Compile job id by workflow: a run creates its compile job first, and it never changes. */
  private readonly compileJobs = new Map<string, string>();
  private scannedAt = -Infinity;

  constructor(private readonly m: Management) {}

  /** The compile job of the job's workflow (the job itself when it is one). */
  private compileJob(j: JobRecord): JobRecord | undefined {
    if (j.kind === "compile") return j;
    let id = this.compileJobs.get(j.workflowId);
    // a workflow not seen yet: look through the store again, at most once a second
    if (id === undefined && Date.now() - this.scannedAt >= 1_000) {
      this.scannedAt = Date.now();
      for (const x of this.m.store.list()) if (x.kind === "compile") this.compileJobs.set(x.workflowId, x.id);
      id = this.compileJobs.get(j.workflowId);
    }
    return id === undefined ? undefined : this.m.store.find(id);
  }

  lookup(j: JobRecord): ReportLookup {
    const cj = this.compileJob(j);
    const hash = (j.detail.compileHash ?? cj?.detail.compileHash) as string | undefined;
    if (typeof hash !== "string")
      return {
        ok: false,
        why:
          cj && cj.phase !== "SUCCEEDED" && cj.phase !== "RUNNING"
            ? `the compile job ${cj.id} is ${cj.phase}: there is no compile to report`
            : "the job has not compiled yet",
      };
    const hit = this.byHash.get(hash);
    if (hit) return { ok: true, built: hit };
    const artifactFile = cj?.detail.artifact;
    let why = `the compile artifact of ${hash} is not recorded with the job`;
    if (typeof artifactFile === "string") {
      try {
        const artifact = readCachedArtifact(dirname(dirname(artifactFile)), hash);
        if (artifact) {
          const cluster = loadJobCluster({
            cluster: this.m.home.clusterFile ?? undefined,
            numCsx: artifact.cluster.numSystems,
          });
          const report = buildReport(artifact, estimateStep(artifact, cluster), cluster, false);
          let png: Buffer | null = null;
          const built: Built = {
            payload: payload(report, `rebuilt from ${artifactFile} with the performance model`, cluster),
            png: () => (png ??= reportPng(report, cluster)),
          };
          this.byHash.set(hash, built);
          return { ok: true, built };
        }
        why = `the compile cache no longer holds ${artifactFile}`;
      } catch (e) {
        if (!(e instanceof WscError)) throw e;
        why = e.message;
      }
    }
    // the report a --compile_only run wrote to the same model_dir, if it is of this compile
    const file = j.modelDir ? join(j.modelDir, "compile_report.json") : null;
    const bytes = file && j.modelDir ? readJobFile(j.modelDir, "compile_report.json") : null;
    if (file && bytes && j.modelDir) {
      const modelDir = j.modelDir;
      try {
        const report = JSON.parse(bytes.toString("utf8")) as CompileReport;
        if (report.hash === hash) {
          const built: Built = {
            payload: payload(report, file, this.m.cluster),
            png: () => readJobFile(modelDir, "wafer_map.png"),
          };
          this.byHash.set(hash, built);
          return { ok: true, built };
        }
      } catch {
        // not a report: fall through to the reason above
      }
    }
    return { ok: false, why };
  }
}
