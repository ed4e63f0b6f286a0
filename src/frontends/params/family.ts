// How the model family of a params file is chosen. Model Zoo itself picks it by which model's `run.py` the
// user starts (old layout) or by `model.name` (new layout: every 2.3+ config has it, e.g. "gpt3", "llama",
// "bert"; fc_mnist configs had it before). wsc has one command for all families, so it decides in this order:
//   1. `--model NAME` (the flag stands in for "which run.py"); if the file also names a family, they must agree;
//   2. `model.name` in the file;
//   3. the keys of the model section (and the data processor), which differ between the families.
// GPT-2 and GPT-3 share one architecture in Model Zoo; files without a name come out as "gpt2".
import type { ModelFamily } from "../../model/index.js";
import type { ConfigIssue } from "../../util/errors.js";
import type { ModelKeysKind } from "./keys.js";

/** Names a params file or `--model` may give, and the family each means. */
export const FAMILY_NAMES: Readonly<Record<string, ModelFamily>> = {
  gpt2: "gpt2",
  gpt3: "gpt3",
  gptj: "gptj",
  llama: "llama",
  bert: "bert",
  fc_mnist: "mlp",
  mnist: "mlp",
  mlp: "mlp",
};

/** Model Zoo families that exist but that wsc does not build, so the error can say so plainly. */
const KNOWN_UNBUILT = [
  "gpt_neox",
  "gptneox",
  "falcon",
  "bloom",
  "mistral",
  "mixtral",
  "btlm",
  "jais",
  "starcoder",
  "santacoder",
  "mpt",
  "t5",
  "transformer",
  "roberta",
  "esm2",
  "llava",
  "dpr",
  "gemma2",
];

export type FamilySource = "flag" | "model.name" | "keys";

export interface FamilyChoice {
  readonly family: ModelFamily;
  readonly source: FamilySource;
  /** Why, in words, for `wsc model` and the docs. */
  readonly reason: string;
}

/** Which key table a family's model section uses. */
export function modelKeysKind(f: ModelFamily): ModelKeysKind {
  return f === "bert" ? "bert" : f === "mlp" ? "mlp" : "decoder";
}

function familyOfName(name: string): ModelFamily | undefined {
  return FAMILY_NAMES[name.toLowerCase()];
}

function inferFromKeys(model: Record<string, unknown>, processors: readonly string[]): FamilyChoice {
  const has = (k: string) => model[k] !== undefined;
  const because = (family: ModelFamily, why: string): FamilyChoice => ({
    family,
    source: "keys",
    reason: why,
  });
  if (has("depth") || has("hidden_sizes") || has("activation_fn") || has("to_float16"))
    return because("mlp", "the model section has fc_mnist's keys (depth/hidden_sizes/activation_fn)");
  const bertKeys = [
    "mlm_loss_weight",
    "encoder_nonlinearity",
    "disable_nsp",
    "pooler_nonlinearity",
    "num_segments",
  ];
  const bertKey = bertKeys.find(has);
  if (bertKey) return because("bert", `the model section has BERT's key "${bertKey}"`);
  if (processors.some((p) => /bert/i.test(p))) return because("bert", "the data processor is a BERT one");
  if (model.norm_type === "rmsnorm" || model.use_rms_norm === true || model.nonlinearity === "swiglu")
    return because("llama", "RMSNorm / SwiGLU are LLaMA's");
  if (model.position_embedding_type === "rotary")
    return because("gptj", "rotary positions without RMSNorm/SwiGLU are GPT-J's");
  return because(
    "gpt2",
    "learned positions: the GPT-2/GPT-3 architecture (pass --model gpt3 to call it GPT-3)",
  );
}

/**
 * Choose the family; returns the choice or the issue that prevents one. `namePath` is where `model.name`
 * sits in the file, for the error.
 */
export function chooseFamily(
  model: Record<string, unknown>,
  processors: readonly string[],
  flag: string | undefined,
  namePath: string,
  nameLine: number | undefined,
): FamilyChoice | ConfigIssue {
  const known = Object.keys(FAMILY_NAMES).join(", ");
  const rawName = model.name;
  const named = typeof rawName === "string" ? familyOfName(rawName) : undefined;
  if (rawName !== undefined && (typeof rawName !== "string" || named === undefined)) {
    const n = String(rawName);
    const unbuilt = KNOWN_UNBUILT.includes(n.toLowerCase());
    return {
      path: namePath,
      line: nameLine,
      message:
        `${JSON.stringify(rawName)} is ${unbuilt ? "a Model Zoo model wsc does not build" : "not a model family wsc knows"}; ` +
        `use one of ${known}`,
    };
  }
  if (flag !== undefined) {
    const f = familyOfName(flag);
    if (!f) return { path: "--model", message: `"${flag}" is not a model family; use one of ${known}` };
    if (named && named !== f) {
      return {
        path: namePath,
        line: nameLine,
        message: `names family "${String(rawName)}" but --model says "${flag}"; drop one or make them agree`,
      };
    }
    return { family: f, source: "flag", reason: `--model ${flag}` };
  }
  if (named) return { family: named, source: "model.name", reason: `${namePath}: ${String(rawName)}` };
  return inferFromKeys(model, processors);
}
