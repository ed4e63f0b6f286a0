// The dashboard as a user opens it: `wsc serve` (the built CLI) on a WSC_HOME with a finished tiny run and a
// running one, each page loaded in headless Chromium, its main elements checked, and the running job's page
// seen to move on by itself. Skipped, saying so, where /usr/bin/chromium is not installed (`.ci/run` installs it).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { Management, wscHome } from "../src/appliance/management/index.js";
import type { JobRecord } from "../src/appliance/management/index.js";
import type { ReportPayload } from "../src/web/index.js";
import { ROOT, WSC, wsc } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

/** A tiny GPT on synthetic tokens: milliseconds a step, so it is still running while the pages load. */
const LONG_RUN = `
train_input: { data_processor: DummyDataProcessor, batch_size: 4, max_sequence_length: 8, num_examples: 100000, shuffle: false }
model: { hidden_size: 16, vocab_size: 32, num_hidden_layers: 1, num_heads: 2, filter_size: 32,
         max_position_embeddings: 8, dropout_rate: 0.1, mixed_precision: false }
optimizer: { optimizer_type: AdamW, learning_rate: 0.01, max_gradient_norm: 1.0 }
runconfig: { max_steps: 10000000, log_steps: 10, checkpoint_steps: 100000, seed: 5 }
`;

const until = async (what: string, ok: () => boolean, ms = 60_000) => {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.skipIf(!haveChromium)(
  `the dashboard in headless Chromium${haveChromium ? "" : ` (skipped: ${CHROMIUM} is not installed)`}`,
  () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let mgmt: Management;
    let runner: ChildProcess;
    let server: ChildProcess;
    let url = "";
    let ctx: BrowserContext;
    let page: Page;
    let finished: JobRecord;
    let live: JobRecord;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "wsc-dash-"));
      env = { ...process.env, WSC_HOME: join(dir, "home") };
      const mlp = join(ROOT, "configs/tiny/mlp.yaml");
      const r = wsc(
        ["run", "CSX", "-p", mlp, "-m", "train", "-o", join(dir, "mlp"), "--job_labels", "name=mlp"],
        {
          env,
          cwd: dir,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      writeFileSync(join(dir, "long.yaml"), LONG_RUN);
      runner = spawn(
        process.execPath,
        [
          WSC,
          "run",
          "CSX",
          "-p",
          join(dir, "long.yaml"),
          "-m",
          "train",
          "-o",
          join(dir, "long"),
          "--job_labels",
          "name=long",
        ],
        { cwd: dir, env, stdio: "ignore" },
      );
      mgmt = new Management({ home: wscHome(env) });
      const runningJob = () => mgmt.store.list().find((j) => j.kind === "execute" && j.phase === "RUNNING");
      await until("the long run to start", () => runningJob() !== undefined);
      live = runningJob()!;
      finished = mgmt.store.list().find((j) => j.kind === "execute" && j.labels.name === "mlp")!;

      server = spawn(process.execPath, [WSC, "serve", "--port", "0"], {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      server.stdout!.on("data", (b) => (out += b));
      server.stderr!.on("data", (b) => (out += b));
      await until("wsc serve to print its address", () => /http:\/\/\S+:\d+/.test(out), 20_000);
      url = /(http:\/\/[^/\s]+:\d+)/.exec(out)![1];
      ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "wsc-chromium-")), {
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
        viewport: { width: 1400, height: 900 },
      });
      page = await ctx.newPage();
      page.on("pageerror", (e) => {
        throw e;
      });
    }, 120_000);

    afterAll(async () => {
      await ctx?.close();
      // SIGKILL: a run in a tight loop of millisecond steps may not reach its SIGTERM handler in time
      runner?.kill("SIGKILL");
      server?.kill("SIGINT");
      await new Promise((r) => (server?.exitCode !== null ? r(null) : server.once("exit", r)));
      mgmt?.close();
    });

    it("wsc serve records its address and wsc ctl get jobs links each job", () => {
      expect(JSON.parse(readFileSync(join(dir, "home", "dashboard.json"), "utf8")).url).toBe(url);
      const r = wsc(["ctl", "get", "jobs", "-a"], { env, cwd: dir });
      expect(r.stdout).toContain(`${url}/jobs/${finished.id}`);
      expect(r.stdout).toContain(`${url}/jobs/${live.id}`);
    });

    it("the job list shows every job with its phase, and the running one's step", async () => {
      await page.goto(`${url}/`);
      await page.waitForSelector(`#jobs tr[data-job="${live.id}"]`);
      const rows = await page.$$eval("#jobs tbody tr", (trs) => trs.map((t) => t.getAttribute("data-job")));
      expect(new Set(rows)).toEqual(new Set(mgmt.store.list().map((j) => j.id)));
      const liveRow = page.locator(`#jobs tr[data-job="${live.id}"]`);
      await expect.poll(() => liveRow.locator(".badge").textContent()).toBe("RUNNING");
      await expect
        .poll(async () => Number(((await liveRow.locator("td").nth(8).textContent()) ?? "").split(" ")[0]))
        .toBeGreaterThan(0);
      expect(await page.locator(`#jobs tr[data-job="${finished.id}"] .badge`).textContent()).toBe(
        "SUCCEEDED",
      );
      await page.screenshot({ path: join(dir, "jobs.png"), fullPage: true });
    });

    it("a finished job's page draws its curves, its compile report and its wafer map", async () => {
      await page.goto(`${url}/jobs/${finished.id}`);
      await page.waitForSelector("#wafer rect.stage");
      expect(await page.locator("#job-head h1").textContent()).toContain(finished.id);
      expect(await page.locator("#charts svg.chart").count()).toBe(3);
      expect(await page.locator("#charts svg.chart").first().locator("polyline").count()).toBeGreaterThan(0);
      const report = JSON.parse(readFileSync(join(dir, "mlp", "performance.json"), "utf8"));
      expect(await page.locator("#report-mode").textContent()).toBe(report.execution_strategy);
      const layers = (await (await fetch(`${url}/api/jobs/${finished.id}/report`)).json()) as ReportPayload;
      expect(await page.locator("#wafer rect.stage").count()).toBe(layers.report.layers.length);
      expect(await page.locator("#layers tbody tr").count()).toBe(layers.groups.length);
      expect(await page.locator("#perf-table").count()).toBe(1);
      expect(await page.locator("#log-text").textContent()).toContain("Training completed successfully!");
      await page.screenshot({ path: join(dir, "finished.png"), fullPage: true });
    });

    it("a running job's page moves on by itself", async () => {
      await page.goto(`${url}/jobs/${live.id}`);
      const step = async () =>
        Number(((await page.locator("#kpis .kpi .v").first().textContent()) ?? "").split(" ")[0]);
      await expect.poll(step, { timeout: 20_000 }).toBeGreaterThan(0);
      const first = await step();
      await expect.poll(step, { timeout: 20_000 }).toBeGreaterThan(first);
      expect(await page.locator("#job-head h1 .badge").textContent()).toBe("RUNNING");
      await page.screenshot({ path: join(dir, "running.png"), fullPage: true });
    });

    it("the cluster page draws the roles and which job holds each system", async () => {
      await page.goto(`${url}/cluster`);
      await page.waitForSelector("#diagram");
      const held = live.systems[0];
      await expect
        .poll(() => page.locator(`#systems tr[data-system="${held}"] .badge`).textContent())
        .toBe("ALLOCATED");
      expect(await page.locator(`#systems tr[data-system="${held}"]`).textContent()).toContain(live.id);
      expect(await page.locator("#diagram g[data-system]").count()).toBe(mgmt.systems.length);
      expect(await page.locator("#diagram .link.flow").count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(dir, "cluster.png"), fullPage: true });
    });

    it("an unknown job id gives a 404 page naming it", async () => {
      const r = await page.goto(`${url}/jobs/wsjob-doesnotexist`);
      expect(r?.status()).toBe(404);
      expect(await page.locator("h1").textContent()).toBe("Not found: wsjob-doesnotexist");
    });
  },
);
