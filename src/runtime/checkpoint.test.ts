// Checkpoints are verified before anything is used: each kind of damage below fails with a CheckpointError
// (exit 2) naming the file and what is wrong, and pointing at the folder's previous good checkpoint; version-1
// files (no checksums) load with a warning; a model that does not match is refused by name and shape; a
// partial checkpoint left by a killed writer never hides the latest good one and is removed at the next open.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DECODER_DEFAULTS, buildDecoderLM } from "../model/index.js";
import { crc32c } from "../util/crc32c.js";
import type { WscError } from "../util/errors.js";
import { CheckpointError, MAGIC_V1, listCheckpoints, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import type { CheckpointContent } from "./checkpoint.js";
import { ModelDir } from "./model-dir.js";
import { checkpointModel, resumeCheckpoint } from "./run-setup.js";
import { HostWeights } from "./weights.js";

const model = buildDecoderLM({
  ...DECODER_DEFAULTS.gpt2,
  vocabSize: 11,
  hidden: 8,
  layers: 1,
  heads: 2,
  ffn: 16,
  maxPositions: 4,
  seqLen: 4,
});

/** A checkpoint of `model` at `step`: its seed weights, and Adam moments for every weight. */
function content(step: number): CheckpointContent {
  const w = new HostWeights(model, 5);
  const weights = new Map([...w.params].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  const buffers: Record<string, Float32Array> = {};
  for (const [k, t] of w.params) {
    buffers[`exp_avg/${k}`] = t.data.map((v) => v * 0.1);
    buffers[`exp_avg_sq/${k}`] = t.data.map((v) => v * v);
  }
  return {
    step,
    model: checkpointModel(model),
    weights,
    optimizer: { kind: "AdamW", step, buffers },
    data: { train: { epoch: 0, offset: 8 * step } },
    seed: 5,
    lossScale: { scale: 1, goodSteps: 0 },
  };
}

interface Layout {
  hlen: number;
  dataStart: number;
  header: Record<string, unknown> & { tensors: { name: string; offset: number; length: number }[] };
}

function layout(b: Buffer): Layout {
  const hlen = b.readUInt32LE(8);
  return { hlen, dataStart: 16 + hlen, header: JSON.parse(b.toString("utf8", 16, 16 + hlen)) };
}

/** The file with its header replaced by `edit(header)` and a valid header CRC (so the deeper checks run). */
function withHeader(b: Buffer, edit: (h: Layout["header"]) => unknown): Buffer {
  const { dataStart, header } = layout(b);
  const json = Buffer.from(JSON.stringify(edit(header) ?? header));
  const pre = Buffer.alloc(16);
  b.copy(pre, 0, 0, 8);
  pre.writeUInt32LE(json.length, 8);
  pre.writeUInt32LE(crc32c(json), 12);
  return Buffer.concat([pre, json, b.subarray(dataStart)]);
}

const tensorAt = (b: Buffer, i: number) => {
  const { dataStart, header } = layout(b);
  const t = header.tensors[i];
  return { name: t.name, start: dataStart + t.offset, length: t.length };
};

function flipBit(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] ^= 0x10;
  return c;
}

const dir = mkdtempSync(join(tmpdir(), "wsc-ckpt-damage-"));
const good10 = writeCheckpoint(join(dir, "checkpoint_10.mdl"), content(10));
const target = join(dir, "checkpoint_20.mdl");
const clean = readFileSync(writeCheckpoint(target, content(20)));
const tensorCount = layout(clean).header.tensors.length;
const DAMAGED = `the file is damaged; resume from ${good10} with --checkpoint_path, or delete the damaged file`;
const NOT_A_FILE = `resume from ${good10} with --checkpoint_path, or remove checkpoint_20.mdl from the folder`;

/** A kind of damage: the file's new bytes (or a special file made in its place) and what the message says. */
interface Damage {
  readonly name: string;
  readonly make: () => Buffer | "special";
  readonly says: RegExp | string;
  /** The way out the message gives (default: the damaged file's). */
  readonly then?: string;
}

const tensorFlips: Damage[] = Array.from({ length: tensorCount }, (_, i) => {
  const t = tensorAt(clean, i);
  return {
    name: `a bit flipped in tensor ${i} (${t.name})`,
    make: () => flipBit(clean, t.start + Math.floor(t.length / 2)),
    says: new RegExp(
      `tensor '${t.name.replace(/\./g, "\\.")}' fails its CRC-32C check \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)`,
    ),
  };
});

const special = (fn: () => void) => () => {
  fn();
  return "special" as const;
};

const damages: Damage[] = [
  ...tensorFlips,
  {
    name: "a zeroed region across two tensors",
    make: () => {
      const c = Buffer.from(clean);
      const t = tensorAt(clean, 1);
      c.fill(0, t.start - 16, t.start + 48);
      return c;
    },
    says: /tensor '.*' fails its CRC-32C check/,
  },
  {
    name: "truncated inside the tensor data",
    make: () => clean.subarray(0, clean.length - 100),
    says: /runs past the end of the file, which holds \d+ bytes of tensor data: the file is truncated/,
  },
  {
    name: "truncated inside the header",
    make: () => clean.subarray(0, 40),
    says: /its header length field says \d+ bytes, but the file has 24 after the 16-byte preamble/,
  },
  { name: "an empty file", make: () => Buffer.alloc(0), says: "the file is empty (0 bytes)" },
  {
    name: "bytes appended after the last tensor",
    make: () => Buffer.concat([clean, Buffer.alloc(12)]),
    says: "12 bytes follow the last tensor: the file is longer than its header says",
  },
  {
    name: "a tensor's offset shifted by 4 bytes",
    make: () =>
      withHeader(clean, (h) => {
        h.tensors[2].offset += 4;
      }),
    says: /tensors '.*' \(bytes \d+\.\.\d+ of the data section\) and '.*' \(bytes \d+\.\.\d+ of the data section\) overlap/,
  },
  {
    name: "an optimizer tensor renamed",
    make: () =>
      withHeader(clean, (h) => {
        const t = h.tensors.find((x) => x.name.startsWith("exp_avg/"))!;
        t.name = t.name.replace("exp_avg/", "exp_avgg/");
      }),
    says: /optimizer tensor 'exp_avgg\/.*' is not the state of a weight: AdamW keeps 'exp_avg\/<weight>' and 'exp_avg_sq\/<weight>'/,
  },
  {
    name: "a tensor listed twice",
    make: () =>
      withHeader(clean, (h) => {
        h.tensors[1].name = h.tensors[0].name;
      }),
    says: /tensor '.*' is listed twice/,
  },
  {
    name: "a bit flipped in the header",
    make: () => flipBit(clean, 40),
    says: /the header fails its CRC-32C check \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/,
  },
  {
    name: "header garbage (not JSON) with a matching CRC",
    make: () => {
      const c = Buffer.from(clean);
      c.write("{not json", 16, "latin1");
      return fixCrc(c);
    },
    says: /the header is not valid JSON/,
  },
  {
    name: "header JSON valid, 'tensors' an object",
    make: () => withHeader(clean, (h) => ({ ...h, tensors: {} })),
    says: "header field 'tensors' is {}; expected an array of tensor entries",
  },
  {
    name: "header JSON valid, 'step' a string",
    make: () => withHeader(clean, (h) => ({ ...h, step: "20" })),
    says: `header field 'step' is "20"; expected an integer >= 0`,
  },
  {
    name: "header JSON valid, a shape of strings",
    make: () =>
      withHeader(clean, (h) => {
        (h.tensors[0] as unknown as { shape: unknown }).shape = ["8", 11];
      }),
    says: `header field 'tensors[0].shape' is ["8",11]; expected an array of integers >= 0`,
  },
  {
    name: "header JSON valid, a negative loss scale",
    make: () => withHeader(clean, (h) => ({ ...h, lossScale: { scale: -1, goodSteps: 0 } })),
    says: "header field 'lossScale.scale' is -1; expected a number > 0",
  },
  {
    name: "a dtype other than float32",
    make: () =>
      withHeader(clean, (h) => {
        (h.tensors[0] as unknown as { dtype: string }).dtype = "float16";
      }),
    says: `header field 'tensors[0].dtype' is "float16"; expected "float32"`,
  },
  {
    name: "a length that disagrees with the shape",
    make: () =>
      withHeader(clean, (h) => {
        h.tensors[0].length -= 4;
      }),
    says: /tensor '.*' has length \d+ bytes, but its shape \[.*\] of float32 needs \d+/,
  },
  {
    name: "the wrong format",
    make: () => withHeader(clean, (h) => ({ ...h, format: "pytorch" })),
    says: `header field 'format' is "pytorch"; a wsc checkpoint has "wsc-checkpoint"`,
  },
  {
    name: "a header version that disagrees with the magic",
    make: () => withHeader(clean, (h) => ({ ...h, version: 3 })),
    says: "header field 'version' is 3 but the file's magic is that of version 2; this wsc reads versions 1 and 2",
  },
  {
    name: "a magic of an unknown version",
    make: () => Buffer.concat([Buffer.from("WSCMDL9\n"), clean.subarray(8)]),
    says: "it is a version 9 checkpoint; this wsc reads versions 1 and 2",
  },
  {
    name: "not a checkpoint at all",
    make: () => Buffer.from("step: 20\n"),
    says: 'it is not a wsc checkpoint (it does not start with the magic "WSCMDL2\\n")',
  },
  {
    name: "a header step that disagrees with the file name",
    make: () => withHeader(clean, (h) => ({ ...h, step: 30, rng: { seed: 5, step: 30 } })),
    says: "the header records step 30, but the file name says step 20",
  },
  {
    name: "an optimizer step beyond the checkpoint's",
    make: () => withHeader(clean, (h) => ({ ...h, optimizer: { kind: "AdamW", step: 21 } })),
    says: "header field 'optimizer.step' is 21, more than the 20 steps the checkpoint records",
  },
  {
    name: "optimizer tensors without an optimizer",
    make: () => withHeader(clean, (h) => ({ ...h, optimizer: null })),
    says: /optimizer tensor 'exp_avg\/.*' is present, but the header records no optimizer/,
  },
  {
    name: "a huge header length",
    make: () => {
      const c = Buffer.from(clean);
      c.writeUInt32LE(0xffffffff, 8);
      return c;
    },
    says: "its header length field says 4294967295 bytes, but a header may have at most 67108864",
  },
  {
    name: "a symbolic link to /dev/zero",
    make: special(() => symlinkSync("/dev/zero", target)),
    says: "it is a character device, not a regular file",
    then: NOT_A_FILE,
  },
  {
    name: "a FIFO",
    make: special(() => {
      const r = spawnSync("mkfifo", [target]);
      expect(r.status, String(r.stderr)).toBe(0);
    }),
    says: "it is a FIFO (named pipe), not a regular file",
    then: NOT_A_FILE,
  },
  {
    name: "a directory",
    make: special(() => mkdirSync(target)),
    says: "it is a directory, not a regular file",
    then: NOT_A_FILE,
  },
];

/** A file whose header bytes were replaced: recompute the header CRC over them. */
function fixCrc(b: Buffer): Buffer {
  const c = Buffer.from(b);
  const hlen = c.readUInt32LE(8);
  c.writeUInt32LE(crc32c(c.subarray(16, 16 + hlen)), 12);
  return c;
}

describe("a damaged checkpoint fails naming the file and the problem, and points at the previous good one", () => {
  it("the undamaged file reads back and a table of damages covers every tensor", () => {
    writeFileSync(target, clean);
    expect(readCheckpoint(target).warnings).toEqual([]);
    expect(tensorCount).toBeGreaterThan(10);
    expect(damages.length).toBeGreaterThanOrEqual(25 + tensorCount - 1);
  });
  for (const d of damages) {
    it(d.name, () => {
      rmSync(target, { recursive: true, force: true });
      const made = d.make();
      if (made !== "special") writeFileSync(target, made);
      let err: unknown;
      try {
        readCheckpoint(target);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as WscError).exitCode).toBe(2);
      const msg = (err as Error).message;
      expect(msg.startsWith(`${target}: `), msg).toBe(true);
      if (typeof d.says === "string") expect(msg).toContain(d.says);
      else expect(msg).toMatch(d.says);
      expect(msg.endsWith(`; ${d.then ?? DAMAGED}`), msg).toBe(true);
      // resuming from the folder gives the same error, before any weight is touched
      expect(() =>
        resumeCheckpoint({ checkpointPath: null, autoloadLastCheckpoint: true, modelDir: dir }, model),
      ).toThrow(msg);
    });
  }
});

/** A version-1 file (before checksums): magic WSCMDL1, header at byte 12, entries without length or CRC. */
function versionOne(c: CheckpointContent): Buffer {
  const tensors: object[] = [];
  const blobs: Buffer[] = [];
  let offset = 0;
  const add = (name: string, shape: readonly number[], data: Float32Array, group: string) => {
    tensors.push({ name, shape, offset, group });
    blobs.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    offset += data.byteLength;
  };
  for (const [k, t] of c.weights) add(k, t.shape, t.data, "weight");
  for (const [k, b] of Object.entries(c.optimizer!.buffers)) add(k, [b.length], b, "optimizer");
  const header = {
    format: "wsc-checkpoint",
    version: 1,
    step: c.step,
    model: c.model,
    optimizer: { kind: c.optimizer!.kind, step: c.optimizer!.step },
    data: c.data,
    rng: { seed: c.seed, step: c.step },
    lossScale: c.lossScale,
    createdAt: "2026-11-26T15:48:32.964Z",
    tensors,
  };
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((64 - ((12 + json.length) % 64)) % 64, 0x20)]);
  const pre = Buffer.alloc(12);
  pre.write(MAGIC_V1, 0, "latin1");
  pre.writeUInt32LE(json.length, 8);
  return Buffer.concat([pre, json, ...blobs]);
}

describe("what a checkpoint is checked against besides itself", () => {
  it("a version-1 checkpoint (no checksums) loads with a warning, its layout still checked", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ckpt-v1-"));
    const c = content(6);
    const path = join(d, "checkpoint_6.mdl");
    const v1 = versionOne(c);
    writeFileSync(path, v1);
    const r = readCheckpoint(path);
    expect(r.header.version).toBe(1);
    expect(r.warnings).toEqual([
      `${path} is a version-1 checkpoint, written before checkpoints carried checksums: its layout was ` +
        "checked, its data could not be; the checkpoints this run writes are version 2",
    ]);
    for (const [k, t] of c.weights) expect(r.weights.get(k)!.data).toEqual(t.data);
    expect(r.optimizer!.buffers).toEqual(c.optimizer!.buffers);
    writeFileSync(path, v1.subarray(0, v1.length - 8));
    expect(() => readCheckpoint(path)).toThrow(/runs past the end of the file/);
  });

  it("a checkpoint of another model is refused by tensor name and shape", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ckpt-model-"));
    const c = content(4);
    const [first, t] = [...c.weights][0];
    const renamed = new Map(c.weights);
    renamed.delete(first);
    renamed.set(`${first}x`, t);
    const run = (path: string) => ({ checkpointPath: path, autoloadLastCheckpoint: true, modelDir: d });
    const a = writeCheckpoint(join(d, "checkpoint_4.mdl"), { ...c, weights: renamed, optimizer: null });
    expect(() => resumeCheckpoint(run(a), model)).toThrow(
      `${a}: tensor '${first}x' is not a parameter of this model; it was written for another model`,
    );
    const reshaped = new Map(c.weights);
    reshaped.set(first, { shape: [...t.shape].reverse(), data: t.data });
    const b = writeCheckpoint(join(d, "checkpoint_5.mdl"), {
      ...c,
      step: 5,
      weights: reshaped,
      optimizer: null,
    });
    expect(() => resumeCheckpoint(run(b), model)).toThrow(
      `${b}: tensor '${first}' has shape [${[...t.shape].reverse().join(", ")}]; the model's is [${t.shape.join(", ")}]`,
    );
    const ok = writeCheckpoint(join(d, "checkpoint_6.mdl"), { ...c, step: 6 });
    expect(resumeCheckpoint(run(ok), model)!.checkpoint.step).toBe(6);
  });
  it("load_checkpoint_states: model restores a given checkpoint's weights only; model_dir resumes restore all", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ckpt-states-"));
    const c = content(4);
    mkdirSync(join(d, "other"));
    const from = writeCheckpoint(join(d, "other", "checkpoint_7.mdl"), { ...c, step: 7 });
    const given = { checkpointPath: from, autoloadLastCheckpoint: true, modelDir: d };
    const only = resumeCheckpoint({ ...given, loadCheckpointStates: ["model"] }, model)!.checkpoint;
    expect([only.step, only.optimizer, only.data.train, only.lossScale]).toEqual([0, null, null, null]);
    for (const [k, t] of c.weights) expect(only.weights.get(k)!.data).toEqual(t.data);
    const all = resumeCheckpoint({ ...given, loadCheckpointStates: null }, model)!.checkpoint;
    expect(all.step).toBe(7);
    expect(all.optimizer).not.toBeNull();
    // resuming the run's own model_dir ignores the setting
    writeCheckpoint(join(d, "checkpoint_5.mdl"), { ...c, step: 5 });
    const own = {
      checkpointPath: null,
      autoloadLastCheckpoint: true,
      modelDir: d,
      loadCheckpointStates: ["model"],
    };
    expect(resumeCheckpoint(own, model)!.checkpoint.step).toBe(5);
  });
});

describe("a writer killed mid-write", () => {
  it("never hides the latest good checkpoint, and its partial file is removed when the model_dir is opened", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ckpt-crash-"));
    const good = writeCheckpoint(join(d, "checkpoint_2.mdl"), content(2));
    const whole = readFileSync(good);
    // a real process writes half of checkpoint_4 under its temporary name and dies before the rename
    const partial = join(d, "partial.bin");
    writeFileSync(partial, whole.subarray(0, whole.length >> 1));
    const child = spawnSync(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); fs.copyFileSync(${JSON.stringify(partial)}, ` +
          `${JSON.stringify(d)} + "/.checkpoint_4.mdl.tmp-" + process.pid); process.kill(process.pid, "SIGKILL")`,
      ],
      { encoding: "utf8" },
    );
    expect(child.signal).toBe("SIGKILL");
    rmSync(partial);
    const dead = readdirSync(d).filter((n) => n.includes(".tmp-"));
    expect(dead).toEqual([`.checkpoint_4.mdl.tmp-${child.pid}`]);
    // a live writer's temporary (this process's) stays
    const live = `.checkpoint_6.mdl.tmp-${process.pid}`;
    writeFileSync(join(d, live), "in progress");
    expect(listCheckpoints(d).map((c) => c.path)).toEqual([good]);
    const run = { checkpointPath: null, autoloadLastCheckpoint: true, modelDir: d };
    expect(resumeCheckpoint(run, model)!.from).toBe(good);
    const md = new ModelDir(d);
    expect(md.removedTemporaries).toEqual(dead);
    expect(existsSync(join(d, dead[0]))).toBe(false);
    expect(existsSync(join(d, live))).toBe(true);
    expect(readCheckpoint(good).step).toBe(2);
  });
});
