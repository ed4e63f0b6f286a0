// `wsc ctl`: job control with csctl's verbs and output shapes, over the job store every `wsc` process
// shares ($WSC_HOME/jobs.db). Reads never change a job; each write is one transaction.
import type { Command } from "commander";
import { existsSync, lstatSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import {
  Management,
  SCHEMA_VERSION,
  currentUser,
  formatLabels,
  isTerminal,
  jobDashboardUrl,
  jobDurationMs,
  jobView,
  parseLabelChange,
  runningDashboard,
  shortDuration,
} from "../../appliance/management/index.js";
import type { JobRecord } from "../../appliance/management/index.js";
import { WscError } from "../../util/errors.js";
import { bytes, si } from "../../util/units.js";
import { tarGz } from "../../util/tar.js";
import type { TarEntry } from "../../util/tar.js";
import { swarmxTree } from "../../hw/index.js";
import { formatData, parseOutputFormat } from "../output.js";
import type { OutputFormat } from "../output.js";
import { table } from "../../util/table.js";
import { pathOption } from "../options.js";

const require = createRequire(import.meta.url);
const { version } = require("../../../package.json") as { version: string };

/** How far back `get jobs -a` looks: the past week, as csctl does. */
const ALL_JOBS_WINDOW_MS = 7 * 24 * 3600 * 1000;

const out = (s: string) => process.stdout.write(s.endsWith("\n") ? s : s + "\n");

function withManagement<T>(fn: (m: Management) => T): T {
  const m = new Management();
  try {
    return fn(m);
  } finally {
    m.close();
  }
}

const JOB_COLUMNS = [
  "NAME",
  "AGE",
  "DURATION",
  "TYPE",
  "PRIORITY",
  "PHASE",
  "SYSTEMS",
  "USER",
  "LABELS",
  "DASHBOARD",
];

/**
 * A job's row; `dashboard` is the base URL of the running dashboard, or null (the column then shows "-").
 * TYPE is compile or execute (a run's two wsjobs), PRIORITY the bucket (P1..P3) as csctl prints it.
 */
function jobRow(m: Management, j: JobRecord, now: number, dashboard: string | null): string[] {
  const d = jobDurationMs(j, now);
  return [
    j.id,
    shortDuration(now - j.createdAt),
    d === null ? "-" : shortDuration(d),
    j.kind,
    m.priorityName(j.priority).toUpperCase(),
    j.phase,
    j.systems.length > 0 ? j.systems.join(",") : "-",
    j.owner,
    formatLabels(j.labels),
    dashboard === null ? "-" : jobDashboardUrl(dashboard, j.id),
  ];
}

function printJobs(m: Management, jobs: readonly JobRecord[], format: OutputFormat): void {
  const now = Date.now();
  if (format === "table") {
    const dashboard = runningDashboard(m.home)?.url ?? null;
    out(
      jobs.length === 0
        ? "No resources found"
        : table(
            JOB_COLUMNS,
            jobs.map((j) => jobRow(m, j, now, dashboard)),
          ),
    );
  } else {
    out(
      formatData(
        jobs.map((j) => jobView(m, j, now)),
        format,
      ),
    );
  }
}

function parseSelector(values: readonly string[]): Record<string, string> {
  const sel: Record<string, string> = {};
  for (const v of values.flatMap((s) => s.split(","))) {
    const c = parseLabelChange(v);
    if ("remove" in c) throw new WscError(`-l ${v}: a selector is key=value, e.g. -l name=gpt3_111m`);
    sel[c.key] = c.value;
  }
  return sel;
}

/** Files of a model_dir that are logs or run summaries (not checkpoints or event files), without following links. */
function modelDirLogs(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) walk(p);
      else if (/\.(log|json|yaml)$/.test(name)) found.push(p);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  return found.sort();
}

export function registerCtl(program: Command): void {
  const ctl = program
    .command("ctl")
    .description("job control (csctl's verbs): list, inspect, cancel, label and re-prioritise jobs");

  const get = ctl.command("get").description("show jobs, the cluster or the version");
  const collect = (v: string, acc: string[]) => [...acc, v];

  get
    .command("jobs")
    .description("list jobs: queued and running ones, or all of the past week with -a")
    .option("-a, --all", "jobs in every phase from the past week")
    .option("-l, --selector <k=v>", "only jobs with this label (repeatable)", collect, [])
    .option("-m, --mine", "only my jobs")
    .option("-o, --output <format>", "table, json or yaml", parseOutputFormat, "table")
    .option("--sort <key>", "priority (queue order) or age (newest first); default: submission order")
    .action(
      (o: { all?: boolean; selector: string[]; mine?: boolean; output: OutputFormat; sort?: string }) => {
        if (o.sort !== undefined && o.sort !== "priority" && o.sort !== "age")
          throw new WscError(`--sort ${o.sort}: sort by priority or age`);
        const sel = parseSelector(o.selector);
        withManagement((m) => {
          m.schedule();
          const now = Date.now();
          const user = currentUser();
          let jobs = m.store
            .list()
            .filter((j) => (o.all ? now - j.createdAt <= ALL_JOBS_WINDOW_MS : !isTerminal(j.phase)))
            .filter((j) => !o.mine || j.owner === user)
            .filter((j) => Object.entries(sel).every(([k, v]) => j.labels[k] === v));
          if (o.sort === "priority")
            jobs = [...jobs].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
          if (o.sort === "age") jobs = [...jobs].sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
          printJobs(m, jobs, o.output);
        });
      },
    );

  get
    .command("job <id>")
    .description("one job: its row, or everything recorded about it with -o json|yaml")
    .option("-o, --output <format>", "table, json or yaml", parseOutputFormat, "table")
    .action((id: string, o: { output: OutputFormat }) => {
      withManagement((m) => {
        m.schedule();
        const j = m.store.get(id);
        if (o.output === "table") printJobs(m, [j], "table");
        else out(formatData(jobView(m, j), o.output));
      });
    });

  get
    .command("cluster")
    .description("the cluster's systems and which job holds each")
    .option("-o, --output <format>", "table, json or yaml", parseOutputFormat, "table")
    .action((o: { output: OutputFormat }) => {
      withManagement((m) => {
        m.schedule();
        const states = m.systemStates();
        const c = m.cluster;
        const tree = swarmxTree(c);
        const data = {
          name: c.name,
          clusterFile: m.home.clusterFile,
          systems: states.map((s) => ({
            name: s.name,
            type: c.system.name,
            state: s.job ? "ALLOCATED" : "IDLE",
            job: s.job?.id ?? null,
            user: s.job?.owner ?? null,
          })),
          memoryx: { capacityBytes: c.memoryx.capacityBytes, ioBitsPerSec: c.memoryx.ioBitsPerSec },
          swarmx: { fanout: c.swarmx.fanout, lanes: tree.lanes, depth: tree.depth, nodes: tree.totalNodes },
        };
        if (o.output !== "table") return out(formatData(data, o.output));
        out(
          table(
            ["NAME", "TYPE", "STATE", "JOB", "USER"],
            data.systems.map((s) => [s.name, s.type, s.state, s.job ?? "-", s.user ?? "-"]),
          ),
        );
        out(
          `\n${c.name}: ${c.numSystems} system(s); MemoryX ${si(c.memoryx.capacityBytes, "B")} at ` +
            `${si(c.memoryx.ioBitsPerSec, "b/s")}; SwarmX ${tree.lanes} lanes x ${tree.nodesPerLane} node(s) ` +
            `of 1:${c.swarmx.fanout}, depth ${tree.depth}`,
        );
      });
    });

  get
    .command("version")
    .description("the version of wsc and of its job store")
    .action(() => {
      withManagement((m) => {
        out(
          `wsc ${version}\njob store schema ${SCHEMA_VERSION} (SQLite ${m.store.sqliteVersion()}) at ${m.home.dbFile}`,
        );
      });
    });

  ctl
    .command("cancel")
    .description("cancel a job")
    .command("job <id>")
    .description("cancel a queued job at once, or stop a running one at its next step boundary")
    .action((id: string) => {
      withManagement((m) => {
        const r = m.cancel(id);
        out(
          r === "cancelled"
            ? "Job canceled successfully"
            : "Job canceled successfully (it stops at its next step boundary and keeps its last checkpoint)",
        );
      });
    });

  ctl
    .command("label")
    .description("label a job")
    .command("job <id> <labels...>")
    .description("set labels with key=value, remove them with key-")
    .action((id: string, labels: string[]) => {
      const changes = labels.map(parseLabelChange);
      withManagement((m) => {
        m.label(id, changes);
        out(`job/${id} was patched`);
      });
    });

  ctl
    .command("job")
    .description("change a job")
    .command("set-priority <id> <priority>")
    .description("move a job to priority p1, p2 or p3 (p1 runs first)")
    .action((id: string, priority: string) => {
      withManagement((m) => {
        const j = m.setPriority(id, priority);
        out(`job/${id} priority set to ${m.priorityName(j.priority)} (${j.priority})`);
      });
    });

  ctl
    .command("log-export <id>")
    .description("write <id>.tar.gz with the job's record, its event log and the logs of its model_dir")
    .option(
      "-p, --path <dir>",
      "folder to write the archive to",
      pathOption("folder to write the archive to"),
      ".",
    )
    .action((id: string, o: { path: string }) => {
      withManagement((m) => {
        const j = m.store.get(id);
        const entries: TarEntry[] = [
          { name: `${id}/job.yaml`, data: formatData(jobView(m, j), "yaml") },
          {
            name: `${id}/events.log`,
            data: m.store
              .events(id)
              .map((e) => `${new Date(e.at).toISOString()} ${e.message}\n`)
              .join(""),
          },
        ];
        if (j.modelDir) {
          for (const f of modelDirLogs(j.modelDir)) {
            entries.push({
              name: `${id}/model_dir/${relative(j.modelDir, f)}`,
              data: readFileSync(f),
              mtimeMs: statSync(f).mtimeMs,
            });
          }
        }
        const file = resolve(o.path, `${id}.tar.gz`);
        try {
          writeFileSync(file, tarGz(entries));
        } catch (e) {
          throw new WscError(
            `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; give a writable folder with -p`,
          );
        }
        const size = statSync(file).size;
        out(`Logs of ${id} exported to ${file} (${entries.length} files, ${bytes(size)})`);
      });
    });

  ctl
    .command("config")
    .description("the configuration wsc ctl uses")
    .command("view")
    .description("print WSC_HOME, the job store, the cluster and the scheduler settings")
    .action(() => {
      withManagement((m) => {
        out(
          formatData(
            {
              wscHome: m.home.dir,
              jobStore: m.home.dbFile,
              clusterFile: m.home.clusterFile ?? "(none: the default cluster)",
              cluster: { name: m.cluster.name, system: m.cluster.system.name, systems: [...m.systems] },
              scheduler: {
                order: "FIFO within priority, head of line (no backfilling)",
                priorities: Object.fromEntries(m.cluster.management.priorities.map((p) => [p.name, p.value])),
                defaultPriority: m.cluster.management.defaultPriority,
                heartbeatTimeoutSeconds: m.heartbeatTimeoutMs / 1000,
              },
              user: currentUser(),
              host: hostname(),
            },
            "yaml",
          ),
        );
      });
    });
}
