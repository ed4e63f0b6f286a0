// A job's page: its record and event log, its progress, the loss and rate curves from its TensorBoard event
// files (live while it runs), what it wrote to model_dir, and its compile report with the wafer map. Modeled
// CS-X device figures and this machine's wall figures are drawn apart and named as such.
import { lineChart } from "./chart.js";
import type { Series } from "./chart.js";
import { badge, bytes, fill, h, jobLink, labelList, num, pct, secs, si, stream, when } from "./dom.js";
import type { JobPayload, LogPayload, MetricRun, MetricsPayload, ReportPayload } from "./types.js";
import { METRICS, heatLegend, usedColumns, waferSvg } from "./wafer.js";
import type { WaferMetric } from "./wafer.js";

const COLORS = { loss: "#1d2430", eval: "#8e44ad", device: "#2f6fdb", wall: "#d9730d", faint: "#98a2b3" };
const LOG_LINES = 1000;

const fact = (name: string, ...value: Parameters<typeof h>[2][]) =>
  h("div", null, h("b", null, name), h("span", null, ...value));

function kpi(cls: string, name: string, value: string, sub: string, extra?: HTMLElement): HTMLElement {
  return h(
    "div",
    { class: `kpi ${cls}` },
    h("b", null, name),
    h("div", { class: "v" }, value),
    h("div", { class: "s" }, sub),
    extra,
  );
}

export function jobPage(main: HTMLElement, id: string): void {
  const head = h("section", { class: "card", id: "job-head" });
  const kpis = h("div", { class: "kpis", id: "kpis" });
  const charts = h("div", { class: "grid charts", id: "charts" });
  const report = h("section", { class: "card", id: "report" });
  const perf = h("section", { class: "card", id: "performance" });
  const events = h("section", { class: "card", id: "events" });
  const ckpts = h("section", { class: "card", id: "checkpoints" });
  const logPre = h("pre", { class: "log", id: "log-text" });
  const logTitle = h("h2", null, "Run log");
  fill(
    main,
    head,
    h("section", { class: "card" }, h("h2", null, "Progress"), kpis),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Curves", h("span", { class: "sub" }, "from the run's TensorBoard event files")),
      charts,
    ),
    report,
    h("div", { class: "grid two" }, h("div", null, perf, ckpts), events),
    h("section", { class: "card", id: "log" }, logTitle, logPre),
  );

  let job: JobPayload | null = null;
  let rep: ReportPayload | null = null;
  let repState: "none" | "loading" | "done" = "none";
  let metric: WaferMetric = "busy";
  let zoom: boolean | null = null; // null: zoomed when the stages use under a quarter of the columns
  const runs = new Map<string, { run: MetricRun; points: MetricRun["points"][number][] }>();
  let drawQueued = false;

  const drawCharts = () => {
    drawQueued = false;
    const list = [...runs.values()].sort((a, b) => a.run.startedAt - b.run.startedAt);
    const series = (
      key: "loss" | "evalLoss" | "deviceRate" | "deviceAvgRate" | "wallRate",
      name: string,
      color: string,
      o: Partial<Series> = {},
    ): Series[] => {
      let named = false;
      let namedFaint = false;
      return list.flatMap(({ run, points }) => {
        const pts = points.filter((p) => p[key] !== undefined).map((p) => [p.step, p[key]!] as const);
        if (pts.length === 0) return [];
        const faint = !run.thisJob;
        const quiet = faint ? namedFaint : named;
        if (faint) namedFaint = true;
        else named = true;
        return [
          {
            ...o,
            name: faint ? `${name} (other runs)` : name,
            color: faint ? COLORS.faint : color,
            points: pts,
            faint,
            quiet,
          },
        ];
      });
    };
    fill(
      charts,
      lineChart({
        title: "Loss",
        note: "the training loss at each logged step; evaluation loss as dots",
        xLabel: "step",
        series: [
          ...series("loss", "train loss", COLORS.loss),
          ...series("evalLoss", "eval loss", COLORS.eval, { dotsOnly: true }),
        ],
        empty: job?.job.type === "compile" ? "a compile job trains nothing" : "no logged step yet",
        yFormat: (v) => num(v, 4),
      }),
      lineChart({
        title: "Modeled CS-X device rate (samples/s)",
        note: "what the CS-X would do: src/perf's modeled device time (Rate, GlobalRate)",
        xLabel: "step",
        series: [
          ...series("deviceRate", "Rate", COLORS.device),
          ...series("deviceAvgRate", "GlobalRate", COLORS.device, { dashed: true }),
        ],
        empty: "no logged step yet",
        zero: true,
      }),
      lineChart({
        title: "This machine's wall rate (samples/s)",
        note: "what the emulator took here: global batch x steps / wall seconds between logs",
        xLabel: "step",
        series: series("wallRate", "emulator", COLORS.wall),
        empty: "needs two logged steps",
        zero: true,
      }),
    );
  };
  const queueDraw = () => {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(drawCharts);
  };

  const drawHead = (p: JobPayload) => {
    const j = p.job;
    const d = j.detail as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    fill(
      head,
      h("h1", null, h("span", { class: "mono" }, j.name), " ", badge(j.phase)),
      h(
        "p",
        { class: "muted" },
        `${j.type} job, priority ${j.priority} (${j.priorityValue}), submitted by ${j.user}`,
        j.cancelRequested && j.phase === "RUNNING"
          ? "; cancel requested: it stops at its next step boundary"
          : "",
      ),
      h(
        "div",
        { class: "facts" },
        fact("workflow", h("span", { class: "mono" }, j.workflow)),
        fact(
          "other jobs of the run",
          p.workflow.length
            ? p.workflow.map((w) => h("div", null, jobLink(w.name), ` ${w.type} `, badge(w.phase)))
            : "-",
        ),
        fact("labels", labelList(j.labels)),
        fact(
          "systems",
          j.systems.length
            ? j.systems.map((x) => h("a", { href: "/cluster", class: "label" }, x))
            : j.type === "execute"
              ? `none yet (needs ${j.systemsNeeded})`
              : "management node",
        ),
        fact("created", when(j.createTime)),
        fact("started", when(j.startTime)),
        fact("ended", when(j.endTime)),
        fact(
          "duration",
          j.durationSeconds === null ? "-" : `${j.durationSeconds.toFixed(1)} s (this machine)`,
        ),
        fact("execution mode", str(d.executionStrategy) ?? "-"),
        fact("compile hash", h("span", { class: "mono" }, str(d.compileHash) ?? "-")),
        fact("model_dir", h("span", { class: "mono" }, j.modelDir ?? "-")),
        fact("params", h("span", { class: "mono" }, str(d.params) ?? "-")),
        fact("process", `pid ${j.process.pid} on ${j.process.host}; last heartbeat ${when(j.lastHeartbeat)}`),
        fact("reason", j.reason || "-"),
      ),
    );
  };

  const drawKpis = (p: JobPayload) => {
    const l = p.latest;
    const perfJson = p.performance;
    const est = rep?.report.estimate;
    const items: HTMLElement[] = [];
    if (p.job.type === "compile") {
      items.push(kpi("loss", "compile", p.job.phase, p.job.reason || "the compile job of this run"));
    } else {
      const progress =
        l && l.maxSteps
          ? h(
              "div",
              { class: "progress" },
              h("div", { style: `width: ${Math.min(100, (100 * l.step) / l.maxSteps)}%` }),
            )
          : undefined;
      items.push(
        kpi(
          "loss",
          "step",
          l ? (l.maxSteps ? `${l.step} of ${l.maxSteps}` : String(l.step)) : "-",
          l ? `logged ${when(l.at)}` : "no logged step yet",
          progress,
        ),
      );
      items.push(kpi("loss", "loss", num(l?.loss, 5), "latest logged training loss"));
      items.push(
        kpi(
          "device",
          "modeled CS-X rate",
          l?.deviceRate ? `${num(l.deviceRate, 4)} samples/s` : "-",
          est
            ? `compiler's estimate ${num(est.samplesPerSec, 4)} samples/s`
            : "modeled device time (src/perf)",
        ),
      );
      const ratio = l?.deviceRate && l.wallRate ? l.deviceRate / l.wallRate : null;
      items.push(
        kpi(
          "wall",
          "this machine",
          l?.wallRate ? `${num(l.wallRate, 4)} samples/s` : "-",
          ratio
            ? `${ratio >= 1 ? `${num(ratio, 3)}x slower` : `${num(1 / ratio, 3)}x faster`} than the modeled CS-X`
            : "the emulator's wall rate",
        ),
      );
      const sram =
        typeof perfJson?.sram_bytes_per_pe === "number"
          ? (perfJson.sram_bytes_per_pe as number)
          : rep?.report.memoryPerPE.total;
      const limit =
        typeof perfJson?.sram_bytes_per_pe_limit === "number"
          ? (perfJson.sram_bytes_per_pe_limit as number)
          : rep?.report.memoryPerPE.limit;
      if (sram !== undefined && limit !== undefined)
        items.push(kpi("device", "SRAM per PE", bytes(sram), `of ${bytes(limit)} (${pct(sram / limit)})`));
    }
    fill(kpis, items);
  };

  const drawPerf = (p: JobPayload) => {
    const f = p.performance;
    const n = (k: string) => (typeof f?.[k] === "number" ? (f[k] as number) : null);
    if (!f) {
      fill(
        perf,
        h("h2", null, "performance.json"),
        h(
          "p",
          { class: "muted" },
          p.job.type === "execute"
            ? p.job.phase === "RUNNING" || p.job.phase === "QUEUED"
              ? "written when the run ends"
              : "this job did not write model_dir/performance.json (or a later run replaced it)"
            : "an execute job writes it",
        ),
      );
      return;
    }
    const row = (name: string, device: string, wall: string) =>
      h("tr", null, h("td", null, name), h("td", { class: "num" }, device), h("td", { class: "num" }, wall));
    fill(
      perf,
      h("h2", null, "performance.json", h("span", { class: "sub" }, "as this job wrote it")),
      h(
        "table",
        { id: "perf-table" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", null, ""),
            h("th", { class: "num" }, "modeled CS-X"),
            h("th", { class: "num" }, "this machine"),
          ),
        ),
        h(
          "tbody",
          null,
          row(
            "samples/s",
            n("samples_per_sec") !== null ? num(n("samples_per_sec"), 5) : "-",
            n("emulation_samples_per_sec") !== null ? num(n("emulation_samples_per_sec"), 5) : "-",
          ),
          row(
            "seconds for the steps",
            n("total_time") !== null ? secs(n("total_time")!) : "-",
            n("emulation_wall_seconds") !== null ? secs(n("emulation_wall_seconds")!) : "-",
          ),
          row(
            "estimate, samples/s",
            n("est_samples_per_sec") !== null ? num(n("est_samples_per_sec"), 5) : "-",
            "",
          ),
          row(
            "estimate per step",
            n("est_device_seconds_per_step") !== null ? secs(n("est_device_seconds_per_step")!) : "-",
            "",
          ),
          row(
            "compile, programming",
            "",
            `${secs(n("compile_time") ?? 0)}, ${secs(n("programming_time") ?? 0)}`,
          ),
        ),
      ),
      h(
        "p",
        { class: "muted" },
        `${n("total_samples") ?? "-"} samples, steps ${n("start_step") ?? "?"}..${n("end_step") ?? "?"}; ` +
          `${n("num_csx") ?? "?"} CS-X, ${n("input_workers_per_csx") ?? "?"} input worker(s) each; MemoryX streamed out ` +
          `${bytes(n("memoryx_bytes_streamed_out") ?? 0)}, received ${bytes(n("memoryx_bytes_received") ?? 0)}`,
      ),
    );
  };

  const drawLists = (p: JobPayload) => {
    fill(
      events,
      h("h2", null, "Events", h("span", { class: "sub" }, "the job's event log in the job store")),
      h(
        "table",
        { id: "events-table" },
        h(
          "tbody",
          null,
          p.events.map((e) =>
            h(
              "tr",
              null,
              h("td", { class: "mono", style: "white-space: nowrap" }, when(e.at)),
              h("td", null, e.message),
            ),
          ),
        ),
      ),
    );
    fill(
      ckpts,
      h("h2", null, "Checkpoints", h("span", { class: "sub" }, "in model_dir")),
      p.checkpoints.length === 0
        ? h("p", { class: "muted" }, "none")
        : h(
            "table",
            null,
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                h("th", { class: "num" }, "step"),
                h("th", null, "file"),
                h("th", { class: "num" }, "size"),
                h("th", null, "written"),
              ),
            ),
            h(
              "tbody",
              null,
              p.checkpoints.map((c) =>
                h(
                  "tr",
                  { class: c.thisJob ? "" : "faint" },
                  h("td", { class: "num" }, String(c.step)),
                  h("td", { class: "mono" }, c.file),
                  h("td", { class: "num" }, bytes(c.bytes)),
                  h("td", null, when(c.at), c.thisJob ? "" : " (another run)"),
                ),
              ),
            ),
          ),
    );
  };

  const drawReport = () => {
    if (!job) return;
    if (!job.report.available) {
      fill(report, h("h2", null, "Compile report"), h("p", { class: "muted" }, job.report.why));
      return;
    }
    if (!rep) {
      fill(report, h("h2", null, "Compile report"), h("p", { class: "muted" }, "loading..."));
      return;
    }
    const r = rep.report;
    const m = r.memoryPerPE;
    const parts: [string, number, string][] = [
      ["weights", m.weights, "#2f6fdb"],
      ["gradients + optimizer", m.optimizerAndGradients, "#8e44ad"],
      ["activations", m.activations, "#1f9d55"],
      ["reserve", m.reserved, "#98a2b3"],
    ];
    const b = r.batch;
    const select = h(
      "select",
      { id: "wafer-metric" },
      (Object.keys(METRICS) as WaferMetric[]).map((k) =>
        h("option", { value: k, selected: k === metric }, METRICS[k]),
      ),
    );
    select.addEventListener("change", () => {
      metric = select.value as WaferMetric;
      drawReport();
    });
    const pipelined = r.mode === "pipeline";
    const used = usedColumns(rep);
    const zoomed = pipelined && (zoom ?? used < rep.wafer.kernelWidth / 4);
    const zoomBox = h("input", { type: "checkbox", id: "wafer-zoom", checked: zoomed });
    zoomBox.addEventListener("change", () => {
      zoom = zoomBox.checked;
      drawReport();
    });
    fill(
      report,
      h(
        "h2",
        null,
        "Compile report",
        h("span", { class: "sub mono" }, r.hash),
        h("span", { class: "sub" }, r.timeIs),
      ),
      h(
        "div",
        { class: "facts" },
        fact(
          "model",
          `${r.model.name} (${r.model.family}), ${r.model.params.toLocaleString("en-US")} parameters, ${r.model.seqLen} tokens, ${r.model.computeDtype}`,
        ),
        fact("cluster", `${r.cluster.numSystems} x ${r.cluster.system} (${r.cluster.name})`),
        fact(
          "mode",
          h("strong", { id: "report-mode" }, r.mode),
          r.forced ? " (forced by execution_strategy)" : "",
        ),
        fact("batch", `${b.global} = ${r.cluster.numSystems} system(s) x ${b.perSystem}`),
        fact(
          "micro-batch",
          pipelined
            ? "samples stream through the stages one by one"
            : `${b.microBatch} x ${b.microBatches}${b.recompute ? ", activations recomputed in backward" : ""}`,
        ),
        fact(
          "modeled step",
          `${secs(r.estimate.deviceSecondsPerStep)}, ${num(r.estimate.samplesPerSec, 4)} samples/s`,
        ),
        fact(
          "per system",
          `${si(r.estimate.flopsPerSecPerSystem, "FLOP/s")} = ${pct(r.estimate.peakFraction, 1)} of fp16 peak, mostly ${r.estimate.bound}-bound`,
        ),
      ),
      h("p", { class: "why" }, `Why ${r.mode}: ${r.why}`),
      h(
        "p",
        { class: "why" },
        `Step overhead ${secs(r.estimate.stepOverhead.seconds)}: ${r.estimate.stepOverhead.what}.`,
      ),
      h(
        "table",
        { style: "margin-bottom: 12px" },
        h(
          "tbody",
          null,
          r.candidates.map((c) =>
            h(
              "tr",
              null,
              h("td", null, c.mode),
              h(
                "td",
                null,
                c.feasible
                  ? `feasible, ${secs(c.stepSeconds ?? 0)} per step`
                  : `not possible: ${c.reason ?? ""}`,
              ),
            ),
          ),
        ),
      ),
      h("h3", null, "SRAM per PE"),
      h(
        "div",
        { id: "sram" },
        h(
          "div",
          null,
          h("b", null, bytes(m.total)),
          ` of ${bytes(m.limit)} (${pct(m.total / m.limit)}; ${m.where})`,
        ),
        h(
          "div",
          { class: "bar" },
          parts.map(([name, v, c]) =>
            h("span", {
              style: `width: ${(100 * v) / m.limit}%; background: ${c}`,
              title: `${name}: ${bytes(v)}`,
            }),
          ),
        ),
        h(
          "div",
          { class: "muted", style: "font-size: 12px" },
          parts.map(([name, v, c]) => [
            h("span", { class: "swatch", style: `background: ${c}` }),
            `${name} ${bytes(v)}`,
          ]),
          h("span", { class: "swatch", style: "background: #eef1f5; border: 1px solid #ccd" }),
          `free ${bytes(m.limit - m.total)}`,
        ),
      ),
      h("h3", null, "Wafer map"),
      h(
        "div",
        { class: "wafer-wrap" },
        waferSvg(rep, metric, zoomed),
        h(
          "div",
          { class: "wafer-side" },
          h("label", null, "color: ", select),
          pipelined
            ? h(
                "p",
                null,
                h(
                  "label",
                  null,
                  zoomBox,
                  ` only the ${used} used columns of ${rep.wafer.kernelWidth}, stretched`,
                ),
              )
            : null,
          h(
            "p",
            { class: "muted" },
            pipelined
              ? `Each stage (layer) has a strip of whole columns of the ${rep.wafer.kernelWidth} x ${rep.wafer.kernelHeight} kernel area, left to right in layer order; grey rim: the host-transfer halo; pale: idle PEs. Hover a strip for its figures.`
              : `Weight streaming: every layer runs on the whole ${rep.wafer.kernelWidth} x ${rep.wafer.kernelHeight} kernel area in turn; each band's height is the layer's share of the step. Hover a band for its figures.`,
          ),
          heatLegend(metric),
          h(
            "p",
            null,
            h("a", { href: `/api/jobs/${id}/wafer_map.png`, target: "_blank" }, "wafer_map.png"),
            h("span", { class: "muted" }, " as --compile_only draws it"),
          ),
        ),
      ),
      h(
        "h3",
        null,
        pipelined ? "Breakdown per stage (one step)" : "Breakdown per layer (one step, all micro-batches)",
      ),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { id: "layers" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              [
                "",
                "layer",
                "PEs",
                "SRAM/PE",
                "forward",
                "backward",
                "I/O in",
                "grads out",
                "overhead",
                "peak",
                "bound",
              ].map((c, i) => h("th", { class: i >= 2 && i <= 9 ? "num" : "" }, c)),
            ),
          ),
          h(
            "tbody",
            null,
            rep.groups.map((g) => {
              const l = r.layers[g.index];
              return h(
                "tr",
                null,
                h("td", { class: "muted" }, pipelined ? String(g.index) : ""),
                h("td", { class: "mono" }, g.name),
                h("td", { class: "num" }, pipelined ? l.pes.toLocaleString("en-US") : "all"),
                h("td", { class: "num" }, bytes(l.memoryPerPE)),
                h("td", { class: "num" }, secs(l.forwardSeconds)),
                h("td", { class: "num" }, secs(l.backwardSeconds)),
                h("td", { class: "num" }, secs(l.ioSeconds)),
                h("td", { class: "num" }, secs(l.reductionSeconds)),
                h("td", { class: "num" }, secs(l.overheadSeconds)),
                h("td", { class: "num" }, pct(l.peakFraction)),
                h("td", null, l.bound),
              );
            }),
          ),
        ),
      ),
      h("h3", null, "Passes"),
      h(
        "table",
        null,
        h(
          "tbody",
          null,
          r.passes.map((x) =>
            h(
              "tr",
              null,
              h("td", { class: "mono" }, x.name),
              h("td", { class: "num" }, `${x.millis.toFixed(1)} ms`),
              h("td", null, x.summary),
            ),
          ),
        ),
      ),
      h("p", { class: "muted" }, `Source: ${rep.source}.`),
    );
  };

  const loadReport = () => {
    if (repState !== "none" || !job?.report.available) return;
    repState = "loading";
    fetch(`/api/jobs/${id}/report`)
      .then((r) => r.json() as Promise<ReportPayload>)
      .then((p) => {
        rep = p;
        repState = "done";
        drawReport();
        if (job) drawKpis(job);
      })
      .catch(() => (repState = "none"));
  };

  stream(`/api/jobs/${id}/stream`, {
    job: (d) => {
      job = d as JobPayload;
      document.title = `${job.job.name} ${job.job.phase} - wsc`;
      drawHead(job);
      drawKpis(job);
      drawPerf(job);
      drawLists(job);
      if (repState === "none") drawReport();
      loadReport();
    },
    metrics: (d) => {
      const m = d as MetricsPayload;
      if (m.reset) runs.clear();
      for (const r of m.runs) {
        const e = runs.get(r.id);
        if (e) e.points.push(...r.points);
        else runs.set(r.id, { run: r, points: [...r.points] });
      }
      queueDraw();
    },
    log: (d) => {
      const l = d as LogPayload;
      const atEnd = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
      const lines = (l.reset ? [] : logPre.textContent!.split("\n").filter((x) => x !== ""))
        .concat(l.lines)
        .slice(-LOG_LINES);
      logPre.textContent = lines.length ? lines.join("\n") + "\n" : "";
      fill(logTitle, "Run log", h("span", { class: "sub mono" }, l.file ?? "no run log found in model_dir"));
      if (atEnd || l.reset) logPre.scrollTop = logPre.scrollHeight;
    },
  });
  drawCharts();
}
