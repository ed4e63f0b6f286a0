// The Model Zoo corpus check: every params file of the families wsc builds, taken from the Model Zoo
// repository's releases (or from the sample committed under test/fixtures/modelzoo), run through `wsc model`
// and `wsc run CSX --compile_only` exactly as a user would run them, and sorted into
//   loads   - `wsc model` prints the model and --compile_only compiles it;
//   refused - a clear error (exit 2) that names a feature wsc does not build;
//   wrong   - anything else: an "unknown key" for a key the release uses, a YAML error, a message that leaks
//             `undefined` or a stack trace, a crash, a compile that fails on a loaded model.
// It prints one table by family and release, the features that block files (with how many), and each wrong
// file with its message. The last line is one JSON object with the totals.
//
//   npx tsx scripts/modelzoo-corpus.ts --repo GITDIR [--releases R1,R2,...] [--counts FILE] [--json FILE] [--verbose 1]
//   npx tsx scripts/modelzoo-corpus.ts --sample test/fixtures/modelzoo
//
// GITDIR is a clone (or bare mirror) of github.com/Cerebras/modelzoo; the default releases are 1.8.0 to 2.10.0.
// With --extract DIR it writes the distinct files it found (one per content) with a manifest instead of
// running them; --per N keeps N files per family, framework and release (--always HASH,... adds files by
// content hash). The committed sample was made with
//   --repo GITDIR --per 2 --always 1b6c587dd0d29d55,07e1ca34306706a2,265d71585391919c --extract test/fixtures/modelzoo
// (those three carry repeated YAML keys). --counts FILE checks each loaded file's parameter count against
// scripts/fixtures/corpus_param_counts.py's PyTorch count of the same file.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { main } from "../src/cli/main.js";

export const DEFAULT_RELEASES = [
  "Release_1.8.0",
  "Release_1.9.1",
  "Release_2.0.3",
  "Release_2.1.1",
  "Release_2.2.1",
  "Release_2.3.1",
  "Release_2.4.3",
  "Release_2.5.0",
  "Release_2.6.0",
  "Release_2.7.1",
  "Release_2.8.0",
  "Release_2.9.0",
  "Release_2.10.0",
];

/** A params file of the corpus: where it came from and which family and framework its folder says. */
export interface CorpusFile {
  readonly release: string;
  readonly path: string;
  readonly family: string;
  readonly framework: "pytorch" | "tf";
  readonly hash: string;
}

/**
 * The family and framework a Model Zoo path belongs to, for the families wsc claims (GPT-2, GPT-3 with
 * Cerebras-GPT, muP and sparsity, GPT-J, LLaMA, BERT with its fine-tuning heads, ESM-2, ViT, fc_mnist) and
 * the encoder-decoders it refuses by name (T5, the transformer), or null.
 * Layouts: 1.x `modelzoo/transformers/{pytorch,tf}/FAMILY/[fine_tuning/TASK/]configs/`,
 * `modelzoo/fc_mnist/{pytorch,tf}/configs/`; 2.x `src/cerebras/modelzoo/models/nlp/FAMILY/[TASK/]configs/`,
 * `src/cerebras/modelzoo/{fc_mnist/pytorch,models/vision/fc_mnist}/configs/`.
 */
export function classifyPath(path: string): { family: string; framework: "pytorch" | "tf" } | null {
  if (!/\.ya?ml$/.test(path) || !/\/configs\//.test(path)) return null;
  const families = [
    "gpt2",
    "gpt3",
    "gptj",
    "llama",
    "mistral",
    "mixtral",
    "gemma2",
    "starcoder",
    "santacoder",
    "falcon",
    "bloom",
    "mpt",
    "jais",
    "btlm",
    "bert",
    "esm2",
    // the encoder-decoders, which wsc refuses by name until it builds them (the corpus shows so)
    "t5",
    "transformer",
  ];
  let m = /^modelzoo\/transformers\/(pytorch|tf)\/([a-z0-9_]+)\//.exec(path);
  if (m && families.includes(m[2]!)) return { family: m[2]!, framework: m[1] as "pytorch" | "tf" };
  m = /^modelzoo\/fc_mnist\/(pytorch|tf)\/configs\//.exec(path);
  if (m) return { family: "fc_mnist", framework: m[1] as "pytorch" | "tf" };
  if (/^src\/cerebras\/modelzoo\/models\/vision\/vision_transformer\/configs\//.test(path))
    return { family: "vision_transformer", framework: "pytorch" };
  m = /^src\/cerebras\/modelzoo\/models\/nlp\/([a-z0-9_]+)\//.exec(path);
  if (m && families.includes(m[1]!)) return { family: m[1]!, framework: "pytorch" };
  if (/^src\/cerebras\/modelzoo\/(fc_mnist\/pytorch|models\/vision\/fc_mnist)\/configs\//.test(path))
    return { family: "fc_mnist", framework: "pytorch" };
  return null;
}

const git = (repo: string, args: string[]) =>
  execFileSync("git", ["--git-dir", repo, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });

/** The params files of the claimed families in each release, with their contents keyed by hash. */
export function listRepo(repo: string, releases: readonly string[]) {
  const files: CorpusFile[] = [];
  const contents = new Map<string, string>();
  for (const release of releases) {
    for (const path of git(repo, ["ls-tree", "-r", "--name-only", release]).split("\n")) {
      const c = classifyPath(path);
      if (!c) continue;
      const text = git(repo, ["show", `${release}:${path}`]);
      const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
      contents.set(hash, text);
      files.push({ release, path, ...c, hash });
    }
  }
  return { files, contents };
}

/** The committed sample: a manifest of files (as listRepo gives them) and one file per content hash. */
export function listSample(dir: string) {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { files: CorpusFile[] };
  const contents = new Map<string, string>();
  for (const f of manifest.files)
    if (!contents.has(f.hash)) contents.set(f.hash, readFileSync(join(dir, sampleName(f)), "utf8"));
  return { files: manifest.files, contents };
}

/** Independent counts as scripts/fixtures/corpus_param_counts.py writes them: {counts: {hash: n}}. */
export function readCounts(file: string): Map<string, number> {
  const j = JSON.parse(readFileSync(file, "utf8")) as { counts: Record<string, number> };
  return new Map(Object.entries(j.counts));
}

/**
 * A sample of a corpus: up to `per` distinct files of each family, framework and release (the first in path
 * order), and the files whose content hash is in `always`, with the manifest rows of every release that
 * holds one of them.
 */
export function pickSample(
  files: readonly CorpusFile[],
  per: number,
  always: readonly string[] = [],
): CorpusFile[] {
  const chosen = new Set<string>(always);
  const perGroup = new Map<string, number>();
  for (const f of [...files].sort((x, y) => x.path.localeCompare(y.path))) {
    if (chosen.has(f.hash)) continue;
    const g = `${f.framework}/${f.family}/${f.release}`;
    const n = perGroup.get(g) ?? 0;
    if (n >= per) continue;
    perGroup.set(g, n + 1);
    chosen.add(f.hash);
  }
  return files.filter((f) => chosen.has(f.hash));
}

/** Where a file of the sample lives: by family, framework and content hash, keeping its file name. */
export function sampleName(f: CorpusFile): string {
  const base = f.path.split("/").pop()!;
  return join(f.framework, f.family, `${f.hash}-${base}`);
}

export type Verdict = "loads" | "refused" | "wrong";

/**
 * Published parameter counts of the models Model Zoo's configs describe, by family and config file name. A
 * loaded file's count must be within 1 % of it; `source` names the model and what the file changes.
 */
export const PUBLISHED: Readonly<Record<string, { count: number; source: string }>> = {
  "gpt2/params_gpt2_small.yaml": {
    count: 124_439_808,
    source: "GPT-2 small (Hugging Face gpt2), 1024 positions",
  },
  "gpt2/params_gpt2_small_ws.yaml": {
    count: 124_439_808,
    source: "GPT-2 small; the file has 2048 positions",
  },
  "gpt2/params_gpt2_medium.yaml": { count: 354_823_168, source: "GPT-2 medium (gpt2-medium)" },
  "gpt2/params_gpt2_large.yaml": { count: 774_030_080, source: "GPT-2 large (gpt2-large)" },
  "gpt2/params_gpt2_xl.yaml": { count: 1_557_611_200, source: "GPT-2 XL (gpt2-xl)" },
  "gpt2/params_gpt2_xlarge.yaml": { count: 1_557_611_200, source: "GPT-2 XL (gpt2-xl)" },
  "gpt3/params_gpt3_xl.yaml": {
    count: 1_315_575_808,
    source: "GPT-Neo 1.3B, same sizes; Model Zoo adds q/k/v biases",
  },
  "gpt3/1p3b.yaml": { count: 1_315_575_808, source: "GPT-Neo 1.3B, same sizes; Model Zoo adds q/k/v biases" },
  "gpt3/params_gpt3_2p7b.yaml": {
    count: 2_651_307_520,
    source: "GPT-Neo 2.7B, same sizes; Model Zoo adds q/k/v biases",
  },
  "gpt3/2p7b.yaml": { count: 2_651_307_520, source: "GPT-Neo 2.7B, same sizes; Model Zoo adds q/k/v biases" },
  "gptj/params_gptj_6B.yaml": {
    count: 6_050_882_784,
    source: "GPT-J 6B (EleutherAI/gpt-j-6b) at vocabulary 50400",
  },
  "gptj/params_gptj_6B_TRC2.yaml": { count: 6_050_882_784, source: "GPT-J 6B (EleutherAI/gpt-j-6b)" },
  "gptj/params_gpt_neox_20B.yaml": {
    count: 20_554_567_680,
    source: "GPT-NeoX 20B (EleutherAI/gpt-neox-20b) at vocabulary 50432; Model Zoo's PyTorch file has 50277",
  },
  "llama/params_llama_7b.yaml": { count: 6_738_415_616, source: "LLaMA-7B" },
  "llama/params_llama2_7b.yaml": { count: 6_738_415_616, source: "Llama 2 7B (meta-llama/Llama-2-7b-hf)" },
  "llama/params_llama2_13b.yaml": {
    count: 13_015_864_320,
    source: "Llama 2 13B (meta-llama/Llama-2-13b-hf)",
  },
  "llama/params_llama_33b.yaml": {
    count: 32_528_943_616,
    source: "LLaMA-33B; Model Zoo's file has filter_size 17888 (published 17920)",
  },
  "llama/params_code_llama_7b.yaml": { count: 6_738_546_688, source: "Code Llama 7B (vocabulary 32016)" },
  "mistral/params_mistral_7B.yaml": {
    count: 7_241_732_096,
    source: "Mistral 7B (mistralai/Mistral-7B-v0.1)",
  },
  "mixtral/params_mixtral_8x7b.yaml": {
    count: 46_702_792_704,
    source: "Mixtral 8x7B (mistralai/Mixtral-8x7B-v0.1, 46.7 B)",
  },
  "mixtral/params_mixtral_8x22b.yaml": {
    count: 141_000_000_000,
    source: "Mixtral 8x22B (mistralai/Mixtral-8x22B-v0.1), published as 141 B",
  },
  "mistral/params_mistral_12b.yaml": {
    count: 12_247_782_400,
    source: "Mistral NeMo 12B (mistralai/Mistral-Nemo-Base-2407)",
  },
  "mpt/params_mpt_7B.yaml": { count: 6_649_286_656, source: "MPT-7B (mosaicml/mpt-7b)" },
  "mpt/params_mpt_30B.yaml": {
    count: 30_000_000_000,
    source: "MPT-30B (mosaicml/mpt-30b), published as 30 B",
  },
  "starcoder/params_starcoder_15b.yaml": {
    count: 15_500_000_000,
    source: "StarCoder (bigcode/starcoder), published as 15.5 B",
  },
  "jais/params_jais_13b.yaml": {
    count: 13_000_000_000,
    source: "JAIS 13B (inceptionai/jais-13b), published as 13 B",
  },
  "jais/params_jais_30b.yaml": {
    count: 30_000_000_000,
    source: "JAIS 30B (inceptionai/jais-30b-v1), published as 30 B",
  },
  "falcon/params_falcon_180b.yaml": {
    count: 180_000_000_000,
    source: "Falcon-180B (tiiuae/falcon-180B), published as 180 B",
  },
  "gemma2/params_gemma2_9b_msl8k.yaml": { count: 9_241_705_984, source: "Gemma 2 9B (google/gemma-2-9b)" },
  "gemma2/params_gemma2_27b_msl8k.yaml": {
    count: 27_227_128_320,
    source: "Gemma 2 27B (google/gemma-2-27b)",
  },
  "falcon/params_falcon_7b.yaml": { count: 6_921_720_704, source: "Falcon-7B (tiiuae/falcon-7b)" },
  "bloom/params_bloom_7b.yaml": { count: 7_069_016_064, source: "BLOOM 7B1 (bigscience/bloom-7b1)" },
  "falcon/params_falcon_40b.yaml": { count: 41_303_293_952, source: "Falcon-40B (tiiuae/falcon-40b)" },
  "santacoder/params_santacoder_1b.yaml": { count: 1_124_886_528, source: "SantaCoder (bigcode/santacoder)" },
  "mistral/params_mistral_7B_msl128k.yaml": {
    count: 7_241_732_096,
    source: "Mistral 7B (mistralai/Mistral-7B-v0.1)",
  },
  "llama/params_llama2_70b.yaml": {
    count: 68_976_648_192,
    source: "Llama 2 70B (meta-llama/Llama-2-70b-hf)",
  },
  "llama/params_code_llama_34b.yaml": {
    count: 33_743_970_304,
    source: "Code Llama 34B (codellama/CodeLlama-34b-hf)",
  },
  "llama/params_llama3_8b.yaml": { count: 8_030_261_248, source: "Llama 3 8B (meta-llama/Meta-Llama-3-8B)" },
  "llama/params_llama3_8b_v2.yaml": {
    count: 8_030_261_248,
    source: "Llama 3 8B (meta-llama/Meta-Llama-3-8B)",
  },
  "llama/params_llama3_70b.yaml": {
    count: 70_553_706_496,
    source: "Llama 3 70B (meta-llama/Meta-Llama-3-70B)",
  },
  "llama/params_llama3p1_8b_msl_8k.yaml": {
    count: 8_030_261_248,
    source: "Llama 3.1 8B (meta-llama/Llama-3.1-8B)",
  },
  "llama/params_llama3p1_70b_msl_8k.yaml": {
    count: 70_553_706_496,
    source: "Llama 3.1 70B (meta-llama/Llama-3.1-70B)",
  },
  "llama/params_llama3p2_1b_msl_8k.yaml": {
    count: 1_235_814_400,
    source: "Llama 3.2 1B, tied (meta-llama/Llama-3.2-1B)",
  },
  "llama/params_llama3p2_3b_msl_8k.yaml": {
    count: 3_212_749_824,
    source: "Llama 3.2 3B, tied (meta-llama/Llama-3.2-3B)",
  },
  "bert/bert_base_MSL128.yaml": {
    count: 110_106_428,
    source: "BERT-base BertForPreTraining (bert-base-uncased)",
  },
  "bert/bert_base_MSL512.yaml": {
    count: 110_106_428,
    source: "BERT-base BertForPreTraining (bert-base-uncased)",
  },
  "bert/bert_large_MSL128.yaml": {
    count: 336_226_108,
    source: "BERT-large BertForPreTraining (bert-large-uncased)",
  },
  "bert/bert_large_MSL512.yaml": {
    count: 336_226_108,
    source: "BERT-large BertForPreTraining (bert-large-uncased)",
  },
  "bert/params_bert_base_msl128.yaml": { count: 110_106_428, source: "BERT-base BertForPreTraining" },
  "bert/params_bert_base_msl512.yaml": { count: 110_106_428, source: "BERT-base BertForPreTraining" },
  "bert/params_bert_large_msl128.yaml": { count: 336_226_108, source: "BERT-large BertForPreTraining" },
  "bert/params_bert_large_msl512.yaml": { count: 336_226_108, source: "BERT-large BertForPreTraining" },
  // the fine-tuning models: Hugging Face's task models of the same checkpoints (BertModel, its pooler only in
  // the sequence classifier, and a Linear classifier)
  "bert/bert_base_classifier_sst2.yaml": {
    count: 109_483_778,
    source: "BertForSequenceClassification, 2 labels (bert-base-uncased)",
  },
  "bert/bert_base_classifier_mnli.yaml": {
    count: 109_484_547,
    source: "BertForSequenceClassification, 3 labels (bert-base-uncased)",
  },
  "bert/bert_large_classifier_sst2.yaml": {
    count: 335_143_938,
    source: "BertForSequenceClassification, 2 labels (bert-large-uncased)",
  },
  "bert/bert_large_classifier_mnli.yaml": {
    count: 335_144_963,
    source: "BertForSequenceClassification, 3 labels (bert-large-uncased)",
  },
  "bert/bert_base_ner_bc5cdr_chem.yaml": {
    count: 108_897_031,
    source: "BertForTokenClassification, 7 labels (bert-base-uncased)",
  },
  "bert/bert_base_squad.yaml": { count: 108_893_186, source: "BertForQuestionAnswering (bert-base-uncased)" },
  "bert/bert_large_squad.yaml": {
    count: 334_094_338,
    source: "BertForQuestionAnswering (bert-large-uncased)",
  },
  "vision_transformer/params_vit_base_patch_16_imagenet_1k.yaml": {
    count: 86_567_656,
    source: "ViT-Base/16 at 224, 1000 classes (google/vit-base-patch16-224)",
  },
};

export interface Outcome {
  readonly verdict: Verdict;
  /** The feature a refusal names, or the reason a file is wrong. */
  readonly reason: string;
  readonly message: string;
  readonly features?: readonly string[];
  readonly parameters?: number;
  readonly mode?: string;
}

interface Captured {
  code: number;
  out: string;
  err: string;
}

/** Run the CLI in this process, capturing what it prints; a thrown error is a crash (a bug). */
async function runCli(argv: string[]): Promise<Captured> {
  let out = "";
  let err = "";
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (
    (out += String(s)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (
    (err += String(s)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await main(["node", "wsc", ...argv]);
    return { code, out, err };
  } catch (e) {
    return { code: -1, out, err: err + `CRASH ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

/** The refusal of a file that contradicts itself, which Model Zoo's own model fails on too. */
export const INCONSISTENT = "an inconsistent file (Model Zoo's own model fails on it too)";

/** The features an error message names: "... X is not implemented in wsc", one per issue it lists. */
export function refusedFeatures(message: string): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(/(?:^|: |\n)([^:\n]*?) (?:is|are) not implemented in wsc/g))
    out.add(m[1]!.trim());
  return [...out];
}

/** What is wrong with a message, or null when it is a clear refusal. */
function wrongness(message: string): string | null {
  if (/unknown key/.test(message)) return "unknown key";
  if (/\bundefined\b/.test(message)) return "message leaks undefined";
  if (/YAML (syntax error|alias)|YAML aliases/.test(message)) return "YAML error";
  if (/\n\s+at .+:\d+:\d+/.test(message) || /CRASH/.test(message)) return "stack trace";
  return null;
}

/** Run one params file: `wsc model --json`, then `wsc run CSX --compile_only`. */
export async function checkFile(file: string, work: string): Promise<Outcome> {
  const first = (s: string) => s.replace(/^wsc: error: /, "").trim();
  const model = await runCli(["model", "-p", file, "--json"]);
  if (model.code !== 0) {
    const message = first(model.err);
    const wrong = model.code !== 2 ? "exit " + model.code : wrongness(message);
    if (wrong) return { verdict: "wrong", reason: wrong, message };
    const features = refusedFeatures(message);
    // a file Model Zoo's own code fails on too (a release's config that contradicts itself) is refused as such
    if (!features.length && /Model Zoo's own model fails on such a file too/.test(message))
      return { verdict: "refused", reason: INCONSISTENT, features: [INCONSISTENT], message };
    if (!features.length) return { verdict: "wrong", reason: "refused without naming a feature", message };
    return { verdict: "refused", reason: features.join("; "), features, message };
  }
  let parameters: number | undefined;
  try {
    parameters = (JSON.parse(model.out) as { paramCount?: number }).paramCount;
  } catch {
    return { verdict: "wrong", reason: "wsc model --json printed no JSON", message: model.out.slice(0, 200) };
  }
  const dir = mkdtempSync(join(work, "run-"));
  try {
    const run = await runCli([
      "run",
      "CSX",
      "-p",
      file,
      "-m",
      "train",
      "--compile_only",
      "-o",
      join(dir, "m"),
      "-c",
      join(dir, "c"),
    ]);
    if (run.code !== 0) {
      const message = first(run.err);
      const features = run.code === 2 && !wrongness(message) ? refusedFeatures(message) : [];
      if (features.length)
        return { verdict: "refused", reason: features.join("; "), features, message, parameters };
      return { verdict: "wrong", reason: "loads but --compile_only fails", message, parameters };
    }
    const mode = /^ {2}mode\s+([a-z_]+)/m.exec(run.out);
    return { verdict: "loads", reason: "", message: "", parameters, mode: mode?.[1] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]) {
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (!k.startsWith("--")) throw new Error(`unexpected argument ${k}`);
    a[k.slice(2)] = argv[i + 1] ?? "";
    i++;
  }
  return a;
}

/** Run a corpus: every distinct content once, results reported per release file. */
export async function runCorpus(
  files: readonly CorpusFile[],
  contents: ReadonlyMap<string, string>,
  log: (s: string) => void = () => {},
) {
  const work = mkdtempSync(join(tmpdir(), "wsc-corpus-"));
  const home = join(work, "home");
  mkdirSync(home);
  const savedHome = process.env.WSC_HOME;
  process.env.WSC_HOME = home;
  const byHash = new Map<string, Outcome>();
  try {
    for (const f of files) {
      if (byHash.has(f.hash)) continue;
      const path = join(work, "files", sampleName(f));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, contents.get(f.hash)!);
      const o = await checkFile(path, work);
      byHash.set(f.hash, o);
      log(`${o.verdict.padEnd(7)} ${f.release} ${f.path}${o.reason ? " - " + o.reason : ""}`);
    }
  } finally {
    if (savedHome === undefined) delete process.env.WSC_HOME;
    else process.env.WSC_HOME = savedHome;
    rmSync(work, { recursive: true, force: true });
  }
  return byHash;
}

export function summarise(
  files: readonly CorpusFile[],
  byHash: ReadonlyMap<string, Outcome>,
  counts?: ReadonlyMap<string, number>,
) {
  const table = new Map<string, Record<Verdict, number>>();
  const features = new Map<string, Set<string>>();
  const wrong: { file: CorpusFile; outcome: Outcome }[] = [];
  const seenWrong = new Set<string>();
  for (const f of files) {
    const o = byHash.get(f.hash)!;
    const key = `${f.framework}/${f.family}\t${f.release}`;
    const row = table.get(key) ?? { loads: 0, refused: 0, wrong: 0 };
    row[o.verdict]++;
    table.set(key, row);
    for (const feature of o.features ?? []) {
      const s = features.get(feature) ?? new Set<string>();
      s.add(f.hash);
      features.set(feature, s);
    }
    if (o.verdict === "wrong" && !seenWrong.has(f.hash)) {
      seenWrong.add(f.hash);
      wrong.push({ file: f, outcome: o });
    }
  }
  // parameter counts: against the independent PyTorch count of the same file, and the published figure
  const countProblems: string[] = [];
  const checked = new Set<string>();
  let published = 0;
  for (const f of files) {
    const o = byHash.get(f.hash)!;
    // every file that loaded, compiled or not
    if (o.parameters === undefined || checked.has(f.hash)) continue;
    checked.add(f.hash);
    const ref = counts?.get(f.hash);
    if (counts && ref === undefined) countProblems.push(`${f.release}:${f.path}: no independent count`);
    else if (ref !== undefined && ref !== o.parameters)
      countProblems.push(`${f.release}:${f.path}: ${o.parameters} parameters; PyTorch counts ${ref}`);
    const pub = PUBLISHED[`${f.family}/${f.path.split("/").pop()}`];
    if (pub && o.parameters !== undefined) {
      published++;
      const off = Math.abs(o.parameters - pub.count) / pub.count;
      if (off > 0.01)
        countProblems.push(
          `${f.release}:${f.path}: ${o.parameters} parameters, ${(off * 100).toFixed(2)} % from the published ` +
            `${pub.count} (${pub.source})`,
        );
    }
  }
  const distinct = new Map<string, Outcome>();
  for (const f of files) distinct.set(f.hash, byHash.get(f.hash)!);
  const totals = { loads: 0, refused: 0, wrong: 0 };
  for (const o of distinct.values()) totals[o.verdict]++;
  return {
    table,
    features,
    wrong,
    totals,
    distinct: distinct.size,
    countProblems,
    countsChecked: checked.size,
    published,
  };
}

async function cli() {
  const a = parseArgs(process.argv.slice(2));
  let corpus: { files: CorpusFile[]; contents: Map<string, string> };
  if (a.sample) corpus = listSample(a.sample);
  else if (a.repo) corpus = listRepo(a.repo, a.releases ? a.releases.split(",") : DEFAULT_RELEASES);
  else throw new Error("give --repo GITDIR (a Model Zoo clone) or --sample DIR");
  if (a.per)
    corpus = {
      ...corpus,
      files: pickSample(corpus.files, Number(a.per), a.always ? a.always.split(",") : []),
    };
  if (a.extract) {
    const dir = a.extract;
    const written = new Set<string>();
    for (const f of corpus.files) {
      const p = join(dir, sampleName(f));
      if (written.has(p)) continue;
      written.add(p);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, corpus.contents.get(f.hash)!);
    }
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ files: corpus.files }, null, 1) + "\n");
    console.log(`wrote ${written.size} distinct files of ${corpus.files.length} to ${dir}`);
    return;
  }
  const files = a.only ? corpus.files.filter((f) => f.path.includes(a.only!)) : corpus.files;
  const byHash = await runCorpus(files, corpus.contents, a.verbose ? (s) => console.log(s) : undefined);
  const counts = a.counts ? readCounts(a.counts) : undefined;
  const s = summarise(files, byHash, counts);
  console.log("family\trelease\tfiles\tloads\trefused\twrong");
  for (const [k, r] of [...s.table].sort())
    console.log(`${k}\t${r.loads + r.refused + r.wrong}\t${r.loads}\t${r.refused}\t${r.wrong}`);
  console.log(`\nfeatures wsc does not build, by distinct files they block:`);
  for (const [feat, set] of [...s.features].sort((x, y) => y[1].size - x[1].size))
    console.log(`  ${set.size}\t${feat}`);
  if (s.wrong.length) {
    console.log(`\nwrong (${s.wrong.length} distinct files):`);
    for (const w of s.wrong)
      console.log(
        `  ${w.file.release}:${w.file.path}\n    ${w.outcome.reason}: ${w.outcome.message.split("\n").slice(0, 6).join("\n      ")}`,
      );
  }
  console.log(
    `\nparameter counts: ${s.countsChecked} files that load (compiled or not)` +
      (counts ? " checked against PyTorch's count of the same file" : " (no --counts file: not checked)") +
      `, ${s.published} against a published figure; ${s.countProblems.length} problems`,
  );
  for (const p of s.countProblems) console.log(`  ${p}`);
  if (a.json)
    writeFileSync(
      a.json,
      JSON.stringify(
        [...byHash].map(([h, o]) => ({ hash: h, ...o })),
        null,
        1,
      ),
    );
  console.log(
    JSON.stringify({
      files: files.length,
      distinct: s.distinct,
      ...s.totals,
      countsChecked: s.countsChecked,
      published: s.published,
      countProblems: s.countProblems.length,
    }),
  );
}

if (process.argv[1] && relative(process.argv[1], new URL(import.meta.url).pathname) === "") {
  cli().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`modelzoo-corpus: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
