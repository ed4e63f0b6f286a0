// The cluster: its roles drawn as a diagram (login nodes, the management node, MemoryX, SwarmX, the CS-X
// systems, input workers), which job holds each system, live; the links a running job uses are animated
// (weights and gradients through SwarmX in weight streaming; input shards in every mode).
import { badge, bytes, fill, h, jobLink, labelList, num, s, si, stream } from "./dom.js";
import type { ClusterPayload, SystemInfo } from "./types.js";

const W = 1100;

function box(
  x: number,
  y: number,
  w: number,
  hgt: number,
  busy: boolean,
  lines: (string | SVGElement)[],
  title?: string,
): SVGGElement {
  const g = s("g", null, s("rect", { x, y, width: w, height: hgt, rx: 8, class: busy ? "box busy" : "box" }));
  if (title) g.append(s("title", null, title));
  lines.forEach((l, i) => {
    if (typeof l === "string")
      g.append(s("text", { x: x + 12, y: y + 20 + i * 16, class: i === 0 ? "head" : "small" }, l));
    else g.append(l);
  });
  return g;
}

/** A link between roles; a flowing one is animated in its direction (down: weights, up: gradients, in: data). */
const link = (x1: number, y1: number, x2: number, y2: number, flow: "" | "down" | "up" | "in") =>
  s("path", { d: `M${x1},${y1} L${x2},${y2}`, class: flow ? `link flow ${flow}` : "link" });

export function clusterSvg(c: ClusterPayload): SVGSVGElement {
  const n = c.systems.length;
  const shown: (SystemInfo | null)[] =
    n <= 8 ? [...c.systems] : [...c.systems.slice(0, 6), null, c.systems[n - 1]];
  const gap = 16;
  const bw = Math.min(230, (W - 40 - gap * (shown.length - 1)) / shown.length);
  const rowW = shown.length * bw + (shown.length - 1) * gap;
  const left = (W - rowW) / 2;
  const cx = (i: number) => left + i * (bw + gap) + bw / 2;
  const running = c.systems.filter((x) => x.job);
  const streaming = running.some((x) => x.job?.mode !== "pipeline");
  const svg = s("svg", {
    class: "diagram",
    viewBox: `0 0 ${W} 560`,
    id: "diagram",
    role: "img",
    "aria-label": "cluster diagram",
  });

  // login and management
  svg.append(box(20, 10, 200, 58, false, ["login nodes", "run.py CSX, csctl (wsc run, wsc ctl)"]));
  const mg = c.management;
  svg.append(
    box(W / 2 - 170, 10, 340, 74, mg.running.length > 0, [
      "management node",
      `job store, FIFO scheduler p1..p3; ${mg.queued.length} queued`,
      `compile jobs: ${mg.running.length} running (${bytes(mg.compileJobMemoryBytes)}, ${mg.compileJobCores} cores each)`,
    ]),
  );
  svg.append(link(220, 39, W / 2 - 170, 39, ""));
  svg.append(link(W / 2, 84, W / 2, 110, ""));
  svg.append(
    s("text", { x: W / 2 + 8, y: 102, class: "small" }, "schedules, compiles, programs the roles below"),
  );

  // MemoryX and SwarmX
  svg.append(
    box(20, 110, W - 40, 50, streaming, [
      "MemoryX: weights, optimizer state, weight update",
      `${si(c.memoryx.capacityBytes, "B")} capacity, streams at ${si(c.memoryx.ioBitsPerSec, "b/s")}`,
    ]),
  );
  svg.append(
    link(W / 2 - 30, 160, W / 2 - 30, 200, streaming ? "down" : ""),
    link(W / 2 + 30, 160, W / 2 + 30, 200, streaming ? "up" : ""),
  );
  svg.append(
    s("text", { x: W / 2 - 40, y: 185, "text-anchor": "end", class: "small" }, "weights"),
    s("text", { x: W / 2 + 40, y: 185, class: "small" }, "summed gradients"),
  );
  const sw = c.swarmx;
  svg.append(
    box(20, 200, W - 40, 50, streaming, [
      `SwarmX: ${sw.lanes} lanes x ${sw.nodesPerLane} node${sw.nodesPerLane > 1 ? "s" : ""} (${sw.nodes} in all)`,
      `broadcast and reduce tree of 1:${sw.fanout} nodes, depth ${sw.depth}, ${si(sw.nicBitsPerSec, "b/s")} NICs`,
    ]),
  );

  // systems
  const sy = 300;
  const bh = 150;
  shown.forEach((sys, i) => {
    const x = cx(i) - bw / 2;
    if (!sys) {
      svg.append(
        s("text", { x: cx(i), y: sy + bh / 2, "text-anchor": "middle", class: "small" }, `... ${n - 7} more`),
      );
      return;
    }
    const j = sys.job;
    const ws = j !== null && j.mode !== "pipeline";
    svg.append(
      link(cx(i) - 12, 250, cx(i) - 12, sy, ws ? "down" : ""),
      link(cx(i) + 12, 250, cx(i) + 12, sy, ws ? "up" : ""),
    );
    const l = j?.latest;
    const lines: (string | SVGElement)[] = [
      sys.name,
      `${sys.type}, ${c.system.wafer}`,
      sys.state === "ALLOCATED" ? "ALLOCATED" : "IDLE",
    ];
    if (j) {
      const a = s(
        "a",
        { href: `/jobs/${j.name}` },
        s("text", { x: x + 12, y: sy + 20 + 3 * 16, class: "small", style: "fill: #2f6fdb" }, j.name),
      );
      lines.push(a, `${j.user}, ${j.mode ?? "?"}`);
      if (l)
        lines.push(
          `step ${l.step}${l.maxSteps ? ` of ${l.maxSteps}` : ""}, loss ${num(l.loss, 4)}`,
          `modeled ${l.deviceRate ? num(l.deviceRate, 4) : "-"} samples/s`,
        );
    } else
      lines.push(
        `${c.system.kernelPEs.toLocaleString("en-US")} usable PEs`,
        `${bytes(c.system.sramBytesPerPE)} SRAM each`,
      );
    const g = box(x, sy, bw, bh, j !== null, [], `${sys.name}: ${sys.state}${j ? ` (${j.name})` : ""}`);
    g.setAttribute("data-system", sys.name);
    lines.forEach((t, k) => {
      if (typeof t === "string")
        g.append(s("text", { x: x + 12, y: sy + 20 + k * 16, class: k === 0 ? "head" : "small" }, t));
      else g.append(t);
    });
    svg.append(g);
    svg.append(link(cx(i), sy + bh + 50, cx(i), sy + bh, j ? "in" : ""));
  });
  svg.append(s("text", { x: cx(0) + 8, y: sy + bh + 30, class: "small" }, "batch shards"));
  svg.append(s("text", { x: cx(0) + 8, y: 280, class: "small" }, si(c.system.hostIoBitsPerSec, "b/s")));
  const per =
    c.inputWorkersPerSystem === 0 ? "automatic (1 unless the run says)" : String(c.inputWorkersPerSystem);
  svg.append(
    box(20, sy + bh + 50, W - 40, 50, running.length > 0, [
      `input workers: ${per} per system`,
      "read, preprocess and stream training data",
    ]),
  );
  return svg;
}

export function clusterPage(main: HTMLElement): void {
  const head = h("section", { class: "card" });
  const diagram = h("section", { class: "card" });
  const systems = h("section", { class: "card" });
  const queue = h("section", { class: "card" });
  const figures = h("section", { class: "card" });
  fill(main, head, diagram, systems, h("div", { class: "grid two" }, queue, figures));
  stream("/api/stream", {
    cluster: (d) => {
      const c = d as ClusterPayload;
      const busy = c.systems.filter((x) => x.job).length;
      fill(
        head,
        h("h1", null, c.name),
        h(
          "p",
          { class: "muted" },
          `${c.systems.length} x ${c.system.name}, ${busy} allocated, ${c.systems.length - busy} idle; ${c.clusterFile ? `cluster file ${c.clusterFile}` : "the default cluster (no $WSC_HOME/cluster.yaml)"}`,
        ),
      );
      fill(
        diagram,
        h("h2", null, "Roles", h("span", { class: "sub" }, "animated links: data a running job moves")),
        clusterSvg(c),
      );
      fill(
        systems,
        h("h2", null, "Systems"),
        h(
          "table",
          { id: "systems" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["NAME", "TYPE", "STATE", "JOB", "USER", "LABELS", "STEP", "MODELED RATE"].map((x) =>
                h("th", null, x),
              ),
            ),
          ),
          h(
            "tbody",
            null,
            c.systems.map((x) =>
              h(
                "tr",
                { "data-system": x.name },
                h("td", { class: "mono" }, x.name),
                h("td", null, x.type),
                h("td", null, badge(x.state)),
                h("td", null, x.job ? jobLink(x.job.name) : "-"),
                h("td", null, x.job?.user ?? "-"),
                h("td", null, x.job ? labelList(x.job.labels) : "-"),
                h("td", { class: "num" }, x.job?.latest ? String(x.job.latest.step) : "-"),
                h(
                  "td",
                  { class: "num" },
                  x.job?.latest?.deviceRate ? `${num(x.job.latest.deviceRate, 4)}/s` : "-",
                ),
              ),
            ),
          ),
        ),
      );
      fill(
        queue,
        h(
          "h2",
          null,
          "Queue",
          h("span", { class: "sub" }, "execute jobs waiting for systems, in the order they will start"),
        ),
        c.management.queued.length === 0
          ? h("p", { class: "muted" }, "no job is waiting")
          : h(
              "table",
              null,
              h(
                "tbody",
                null,
                c.management.queued.map((q, i) =>
                  h(
                    "tr",
                    null,
                    h("td", { class: "num" }, String(i + 1)),
                    h("td", null, jobLink(q.name)),
                    h("td", null, `${q.systemsNeeded} system(s)`),
                    h("td", null, q.user),
                  ),
                ),
              ),
            ),
      );
      const row = (k: string, v: string) => h("tr", null, h("td", null, k), h("td", { class: "num" }, v));
      fill(
        figures,
        h("h2", null, "Figures", h("span", { class: "sub" }, "src/hw")),
        h(
          "table",
          null,
          h(
            "tbody",
            null,
            row("wafer", `${c.system.wafer}, ${c.system.fabricWidth} x ${c.system.fabricHeight} PEs`),
            row("usable PEs per system", c.system.kernelPEs.toLocaleString("en-US")),
            row("SRAM per PE", bytes(c.system.sramBytesPerPE)),
            row("fp16 peak per system (kernel area)", si(c.system.peakFp16FlopsPerSec, "FLOP/s")),
            row("host I/O per system", si(c.system.hostIoBitsPerSec, "b/s")),
            row("MemoryX", `${si(c.memoryx.capacityBytes, "B")}, ${si(c.memoryx.ioBitsPerSec, "b/s")}`),
            row(
              "SwarmX",
              `${c.swarmx.lanes} lanes x ${c.swarmx.nodesPerLane} node(s), 1:${c.swarmx.fanout}, depth ${c.swarmx.depth}`,
            ),
          ),
        ),
      );
    },
  });
}
