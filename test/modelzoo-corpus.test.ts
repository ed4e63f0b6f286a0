// The committed sample of real Model Zoo params files (test/fixtures/modelzoo: 2 files per family, framework and
// release from 1.8.0 to 2.10.0, PyTorch and TensorFlow, as scripts/modelzoo-corpus.ts --extract wrote them) run
// through `wsc model` and `wsc run CSX --compile_only` as a user would: every file loads and compiles, or is
// refused naming a feature wsc does not build; no "unknown key" for a key a release uses, no YAML error, no
// `undefined`, no stack trace; each loaded file's parameter count equals PyTorch's count of the same file
// (scripts/fixtures/corpus_param_counts.py) and is within 1 % of the published figure where there is one.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { FEATURES } from "../src/frontends/params/keys.js";
import { loadParams } from "../src/frontends/params/load.js";
import {
  INCONSISTENT,
  listSample,
  readCounts,
  runCorpus,
  sampleName,
  summarise,
} from "../scripts/modelzoo-corpus.js";
import type { CorpusFile, Outcome } from "../scripts/modelzoo-corpus.js";
import { wsc } from "./helpers.js";

const SAMPLE = fileURLToPath(new URL("./fixtures/modelzoo/", import.meta.url));

/** What a refusal may name: a feature of the key tables, a family, a scheduler, a file Model Zoo fails on too. */
const namesAFeature = (f: string) =>
  (Object.values(FEATURES) as string[]).includes(f) ||
  f === INCONSISTENT ||
  /^the [\w -]+ (family|transformer)$/.test(f) ||
  /learning-rate scheduler$/.test(f);

describe("the Model Zoo sample, releases 1.8.0 to 2.10.0", { timeout: 240_000 }, () => {
  const { files, contents } = listSample(SAMPLE);
  let byHash: Map<string, Outcome>;
  beforeAll(async () => {
    byHash = await runCorpus(files, contents);
  }, 240_000);
  const outcome = (f: CorpusFile) => byHash.get(f.hash)!;

  it("covers every release, both frameworks and every claimed family", () => {
    expect(new Set(files.map((f) => f.release)).size).toBe(13);
    expect(new Set(files.map((f) => `${f.framework}/${f.family}`))).toEqual(
      new Set([
        "pytorch/gpt2",
        "pytorch/gpt3",
        "pytorch/gptj",
        "pytorch/llama",
        "pytorch/mistral",
        "pytorch/mixtral",
        "pytorch/gemma2",
        "pytorch/starcoder",
        "pytorch/santacoder",
        "pytorch/falcon",
        "pytorch/bloom",
        "pytorch/mpt",
        "pytorch/jais",
        "pytorch/btlm",
        "pytorch/bert",
        "pytorch/esm2",
        "pytorch/vision_transformer",
        "pytorch/t5",
        "pytorch/transformer",
        "tf/t5",
        "tf/transformer",
        "pytorch/fc_mnist",
        "tf/gpt2",
        "tf/gpt3",
        "tf/gptj",
        "tf/bert",
        "tf/fc_mnist",
      ]),
    );
  });

  it("no file is wrong, but the long-sequence ones (Code Llama at 16k, Mixtral at 32k and 64k, Mistral, Mistral NeMo and Llama 3.1 at 64k and 128k) no mode fits yet", () => {
    const wrong = files.filter((f) => outcome(f).verdict === "wrong");
    for (const f of wrong) {
      expect(f.path).toMatch(
        /params_code_llama_(13b|34b|70b)\.yaml$|_msl_?(64k|128k)\.yaml$|params_mistral_12b\.yaml$|params_mixtral_8x(7|22)b\.yaml$/,
      );
      expect(outcome(f).reason).toBe("loads but --compile_only fails");
      expect(outcome(f).message).toMatch(/weight streaming does not fit even at micro-batch 1/);
    }
  });

  it("every refusal names features wsc does not build, and never says 'remove' or 'unknown key'", () => {
    const refused = files.filter((f) => outcome(f).verdict === "refused");
    expect(refused.length).toBeGreaterThan(20);
    for (const f of refused) {
      const o = outcome(f);
      expect(o.features?.length, f.path).toBeGreaterThan(0);
      for (const feature of o.features ?? [])
        expect(namesAFeature(feature), `${f.path}: ${feature}`).toBe(true);
      expect(o.message).not.toMatch(/remove the key|unknown key|undefined|\n\s+at /);
    }
  });

  it("every TensorFlow config loads and compiles, GPT-NeoX 20B included, but BERT fine-tuning and the encoder-decoders, refused by name", () => {
    for (const f of files.filter((x) => x.framework === "tf")) {
      const o = outcome(f);
      if (/fine_tuning\/(classifier|qa|token_classifier|extractive_summarization)/.test(f.path))
        expect(o.features?.[0], f.path).toBe(FEATURES.tfFineTuning);
      else if (f.family === "t5" || f.family === "transformer")
        expect(o.features, f.path).toEqual([
          f.family === "t5" ? "the T5 family" : "the encoder-decoder transformer",
        ]);
      else expect(o.verdict, `${f.path}: ${o.message}`).toBe("loads");
    }
  });

  it("every PyTorch BERT fine-tuning config loads and compiles (classifier, token classifier, BertSum, SQuAD)", () => {
    const tuning = files.filter(
      (f) =>
        f.framework === "pytorch" &&
        /(classifier|qa|token_classifier|extractive_summarization)\/configs\//.test(f.path),
    );
    expect(tuning.length).toBeGreaterThan(10);
    for (const f of tuning) {
      const o = outcome(f);
      // 1.9 to 2.1's BertSum files give 1532 (768) tokens with 512 positions, which Model Zoo's model fails on
      if (o.verdict === "refused") expect(o.features, `${f.path}: ${o.message}`).toEqual([INCONSISTENT]);
      else expect(o.verdict, `${f.path}: ${o.message}`).toBe("loads");
    }
  });

  it("every loaded file has PyTorch's parameter count of the same file, and the published one within 1 %", () => {
    const s = summarise(files, byHash, readCounts(`${SAMPLE}param-counts.json`));
    expect(s.countProblems).toEqual([]);
    expect(s.countsChecked).toBe(
      files.filter(
        (f, i, a) => outcome(f).parameters !== undefined && a.findIndex((g) => g.hash === f.hash) === i,
      ).length,
    );
    expect(s.published).toBeGreaterThan(20);
  });

  it("a repeated key takes its last value, as PyYAML reads it, with a warning naming both lines", () => {
    const f = files.find((x) => x.hash === "1b6c587dd0d29d55")!;
    const p = loadParams(`${SAMPLE}${sampleName(f)}`);
    expect(p.warnings.join("\n")).toMatch(
      /the key "steps" appears twice in one mapping \(lines \d+ and \d+\); the last value \(line \d+\) is used/,
    );
  });
});

describe("a TensorFlow Model Zoo config trains through the same path", () => {
  const params = fileURLToPath(new URL("./fixtures/tf/params_gpt2_tiny_tf.yaml", import.meta.url));
  const losses = (log: string) => [...log.matchAll(/Step=\d+, Loss=([\d.]+)/g)].map((m) => Number(m[1]));
  it("run CPU: GPT TFRecords, save_checkpoints_steps, tf_random_seed; the loss falls", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-tf-"));
    const r = wsc(["run", "CPU", "-p", params, "-m", "train", "-o", join(d, "m")]);
    expect(r.code, r.stderr).toBe(0);
    const l = losses(r.stdout + r.stderr);
    expect(l).toHaveLength(20);
    expect(l[19]).toBeLessThan(l[0] - 0.5);
    // save_checkpoints_steps: 10 and keep_checkpoint_max: 0 (keep all)
    expect(
      readdirSync(join(d, "m"))
        .filter((f) => f.endsWith(".mdl"))
        .sort(),
    ).toEqual(["checkpoint_10.mdl", "checkpoint_20.mdl"]);
  });
  it("run CSX: trains on the appliance and reports the modeled device time", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-tf-"));
    const r = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", join(d, "m"), "--max_steps", "2"], {
      env: { WSC_HOME: join(d, "home") },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(losses(r.stdout + r.stderr)).toHaveLength(2);
    expect(r.stdout + r.stderr).toMatch(
      /Emulation: the times and rates above are the modeled CS-X device time/,
    );
  });
});
