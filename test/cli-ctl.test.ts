// `wsc ctl` as a user runs it, against a job store another process (this test) fills: csctl's output shapes.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Management, newWorkflowId, wscHome } from "../src/appliance/management/index.js";
import { wsc } from "./helpers.js";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "wsc-ctl-"));
  const m = new Management({ home: wscHome({ WSC_HOME: dir }) });
  const run = (args: string[]) => wsc(["ctl", ...args], { env: { WSC_HOME: dir }, cwd: dir });
  const submit = (systems: number, labels: Record<string, string> = {}, priority = "p2") =>
    m.submit({ workflowId: newWorkflowId(), kind: "execute", systemsNeeded: systems, labels, priority });
  return { dir, m, run, submit };
}

describe("wsc ctl", () => {
  it("get jobs prints csctl's columns with one job RUNNING and one QUEUED", () => {
    const { run, submit } = setup();
    const a = submit(2, { name: "unet_pt" });
    const b = submit(2);
    const r = run(["get", "jobs"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0].split(/\s+/)).toEqual([
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
    ]);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${a.id}\\s+\\d+s\\s+\\d+s\\s+execute\\s+P2\\s+RUNNING\\s+cs2-01,cs2-02\\s+\\S+\\s+name=unet_pt\\s+-$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${b.id}\\s+\\d+s\\s+-\\s+execute\\s+P2\\s+QUEUED\\s+-\\s+\\S+\\s+-\\s+-$`),
    );
  });

  it("get jobs: TYPE tells a run's compile wsjob from its execute wsjob, PRIORITY shows the bucket", () => {
    const { m, run } = setup();
    const c = m.submit({ workflowId: newWorkflowId(), kind: "compile", systemsNeeded: 0, priority: "p1" });
    const x = m.submit({ workflowId: newWorkflowId(), kind: "execute", systemsNeeded: 1, priority: "p3" });
    const rows = run(["get", "jobs"]).stdout.trim().split("\n").slice(1);
    const cols = (id: string) =>
      rows
        .find((l) => l.startsWith(id))!
        .split(/\s+/)
        .slice(3, 5);
    expect(cols(c.id)).toEqual(["compile", "P1"]);
    expect(cols(x.id)).toEqual(["execute", "P3"]);
  });

  it("cancel job, label job, set-priority and get job -o json say what csctl says and change the store", () => {
    const { m, run, submit } = setup();
    const a = submit(2);
    const b = submit(2);
    expect(run(["label", "job", a.id, "testlabel=test", "x=1"]).stdout).toBe(`job/${a.id} was patched\n`);
    expect(run(["label", "job", a.id, "x-"]).code).toBe(0);
    expect(m.store.get(a.id).labels).toEqual({ testlabel: "test" });
    expect(run(["job", "set-priority", b.id, "p1"]).code).toBe(0);
    expect(JSON.parse(run(["get", "job", b.id, "-o", "json"]).stdout)).toMatchObject({
      name: b.id,
      phase: "QUEUED",
      priority: "p1",
      priorityValue: 199,
      type: "execute",
    });
    expect(run(["cancel", "job", b.id]).stdout).toBe("Job canceled successfully\n");
    expect(m.store.get(b.id).phase).toBe("CANCELLED");
    expect(run(["get", "jobs", "-l", "testlabel=test", "-o", "yaml"]).stdout).toContain(`name: ${a.id}`);
    expect(run(["get", "jobs"]).stdout).not.toContain(b.id);
    expect(run(["get", "jobs", "-a"]).stdout).toMatch(new RegExp(`${b.id}\\s+.*CANCELLED`));
  });

  it("get cluster shows which job holds each system", () => {
    const { run, submit } = setup();
    const a = submit(1);
    const r = run(["get", "cluster"]);
    expect(r.stdout).toMatch(new RegExp(`cs2-01\\s+CS-2\\s+ALLOCATED\\s+${a.id}`));
    expect(r.stdout).toMatch(/cs2-02\s+CS-2\s+IDLE\s+-/);
  });

  it("log-export writes ID.tar.gz holding the job record, its event log and the model_dir logs", () => {
    const { dir, m, run } = setup();
    const md = join(dir, "model_dir");
    mkdirSync(join(md, "train"), { recursive: true });
    writeFileSync(join(md, "run_20250101_000000.log"), "hello\n");
    writeFileSync(join(md, "checkpoint_2.mdl"), "not a log");
    const a = m.submit({ workflowId: newWorkflowId(), kind: "execute", systemsNeeded: 1, modelDir: md });
    const r = run(["log-export", a.id, "-p", dir]);
    expect(r.code).toBe(0);
    const list = spawnSync("tar", ["-tzf", join(dir, `${a.id}.tar.gz`)], { encoding: "utf8" }).stdout;
    expect(list).toContain(`${a.id}/job.yaml`);
    expect(list).toContain(`${a.id}/events.log`);
    expect(list).toContain(`${a.id}/model_dir/run_20250101_000000.log`);
    expect(list).not.toContain("checkpoint_2.mdl");
  });

  it("bad input exits 2 with the value and the fix, no stack trace", () => {
    const { run, submit } = setup();
    const a = submit(1);
    const r1 = run(["label", "job", a.id, "oops"]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/label "oops" is neither key=value .* nor key-/);
    expect(r1.stderr).not.toMatch(/\s+at /);
    const r2 = run(["job", "set-priority", a.id, "p9"]);
    expect(r2.stderr).toMatch(/"p9" is not a job priority: use one of p1, p2, p3/);
    expect(run(["get", "jobs", "-o", "xml"]).stderr).toMatch(/"xml" is not an output format/);
  });
});
