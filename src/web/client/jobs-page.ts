// The job list: every job of the past week, as `wsc ctl get jobs -a` lists them, live. Filter by text (id,
// user, label, phase) or keep the jobs that have not finished (`wsc ctl get jobs`).
import { badge, fill, h, jobLink, labelList, num, shortDuration, stream } from "./dom.js";
import type { JobsPayload } from "./types.js";

const FINISHED = ["SUCCEEDED", "FAILED", "CANCELLED"];

export function jobsPage(main: HTMLElement): void {
  let data: JobsPayload | null = null;
  let skew = 0; // server clock - page clock
  const search = h("input", { type: "search", placeholder: "filter: id, user, label, phase", id: "filter" });
  const active = h("input", { type: "checkbox", id: "active" });
  const summary = h("span", { class: "muted", id: "summary" });
  const body = h("tbody");
  const table = h(
    "table",
    { id: "jobs" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        ["NAME", "TYPE", "AGE", "DURATION", "PHASE", "SYSTEMS", "USER", "LABELS"].map((c) =>
          h("th", null, c),
        ),
        h("th", { class: "num", title: "latest logged step of an execute job" }, "STEP"),
        h("th", { class: "num" }, "LOSS"),
        h("th", { class: "num", title: "modeled CS-X device rate (src/perf)" }, "MODELED RATE"),
      ),
    ),
    body,
  );
  fill(
    main,
    h(
      "section",
      { class: "card" },
      h(
        "h2",
        null,
        "Jobs",
        h("span", { class: "sub" }, "every job of the past week, as wsc ctl get jobs -a"),
      ),
      h(
        "div",
        { class: "toolbar" },
        search,
        h("label", null, active, " only unfinished (wsc ctl get jobs)"),
        summary,
      ),
      h("div", { class: "table-wrap" }, table),
      h("p", { class: "muted", id: "store" }),
    ),
  );

  const render = () => {
    if (!data) return;
    const now = Date.now() + skew;
    const q = search.value.trim().toLowerCase();
    const jobs = data.jobs.filter(
      (j) =>
        (!active.checked || !FINISHED.includes(j.phase)) &&
        (q === "" ||
          [
            j.name,
            j.user,
            j.phase,
            j.type,
            j.workflow,
            ...Object.entries(j.labels).map(([k, v]) => `${k}=${v}`),
          ]
            .join(" ")
            .toLowerCase()
            .includes(q)),
    );
    const count = (p: string) => data!.jobs.filter((j) => j.phase === p).length;
    summary.textContent =
      `${count("RUNNING")} running, ${count("QUEUED")} queued, ` +
      `${data.jobs.filter((j) => FINISHED.includes(j.phase)).length} finished; ${jobs.length} shown`;
    fill(
      body,
      jobs.length === 0
        ? h("tr", null, h("td", { colspan: 11, class: "muted" }, "No resources found"))
        : [...jobs].reverse().map((j) => {
            const created = Date.parse(j.createTime ?? "");
            const started = j.startTime ? Date.parse(j.startTime) : null;
            const ended = j.endTime ? Date.parse(j.endTime) : null;
            const l = j.latest;
            return h(
              "tr",
              { "data-job": j.name, class: FINISHED.includes(j.phase) ? "done" : "" },
              h("td", null, jobLink(j.name)),
              h("td", null, j.type),
              h("td", null, shortDuration(now - created)),
              h("td", null, started === null ? "-" : shortDuration((ended ?? now) - started)),
              h("td", null, badge(j.phase)),
              h("td", null, j.systems.length ? j.systems.join(",") : "-"),
              h("td", null, j.user),
              h("td", null, labelList(j.labels)),
              h(
                "td",
                { class: "num" },
                l ? (l.maxSteps ? `${l.step} / ${l.maxSteps}` : String(l.step)) : "-",
              ),
              h("td", { class: "num" }, num(l?.loss, 5)),
              h("td", { class: "num" }, l?.deviceRate ? `${num(l.deviceRate, 4)}/s` : "-"),
            );
          }),
    );
    document.getElementById("store")!.textContent = `Job store: ${data.store}. Newest first.`;
  };
  search.addEventListener("input", render);
  active.addEventListener("change", render);
  stream("/api/stream", {
    jobs: (d) => {
      data = d as JobsPayload;
      skew = data.now - Date.now();
      render();
    },
  });
  setInterval(render, 1000);
}
