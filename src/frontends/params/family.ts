// How the model family of a params file is chosen. Model Zoo itself picks it by which model's `run.py` the
// user starts (old layout) or by `model.name` (new layout: every 2.3+ config has it, e.g. "gpt3", "llama",
// "bert"; fc_mnist configs had it before). wsc has one command for all families, so it decides in this order:
//   1. `--model NAME` (the flag stands in for "which run.py"); if the file also names a family, they must agree;
//   2. `model.name` in the file;
//   3. the keys of the model section (and the data processor), which differ between the families.
// GPT-2 and GPT-3 share one architecture in Model Zoo; files without a name come out as "gpt2".
import type { ModelFamily } from "../../model/index.js";
import type { ConfigIssue } from "../../util/errors.js";
import type { FineTuningTask } from "../../numerics/layers/spec.js";
import { FEATURES } from "./keys.js";
import type { ModelKeysKind } from "./keys.js";

/** Names a params file or `--model` may give, and the family each means. */
export const FAMILY_NAMES: Readonly<Record<string, ModelFamily>> = {
  gpt2: "gpt2",
  gpt3: "gpt3",
  gptj: "gptj",
  llama: "llama",
  // Mistral is LLaMA's architecture with grouped-query and sliding-window attention, as Model Zoo builds it
  mistral: "llama",
  // Model Zoo's StarCoder and SantaCoder configs subclass its GPT-2 config, Falcon's its GPT-J config
  starcoder: "gpt2",
  santacoder: "gpt2",
  falcon: "gptj",
  // Model Zoo's Mixtral and Gemma 2 configs are its GPT-2 config (GPT-2's defaults), with a `moe` section or
  // Gemma 2's mechanisms (soft-capping, sandwich norms, alternating windows, GeGLU)
  mixtral: "gpt2",
  gemma2: "gpt2",
  // BLOOM, MPT, JAIS and BTLM are Model Zoo's GPT-2 config with ALiBi (and SwiGLU, muP, an embedding norm)
  bloom: "gpt2",
  mpt: "gpt2",
  jais: "gpt2",
  btlm: "gpt2",
  bert: "bert",
  // Model Zoo's ESM-2 config is its BERT config with pre-norm, rotary positions and token dropout
  esm2: "bert",
  // the BERT fine-tuning models: BERT's encoder under a task head
  "bert/classifier": "bert",
  "bert/token_classifier": "bert",
  "bert/extractive_summarization": "bert",
  "bert/qa": "bert",
  // Model Zoo's ViT: the patch embedding, an encoder and the classifier on the class token
  vision_transformer: "vit",
  vit: "vit",
  vit_classification: "vit",
  fc_mnist: "mlp",
  mnist: "mlp",
  mlp: "mlp",
};

/** Model Zoo families that exist but that wsc does not build, so the error names them as features. */
const KNOWN_UNBUILT: Readonly<Record<string, string>> = {
  gpt_neox: "the GPT-NeoX family",
  gptneox: "the GPT-NeoX family",
  t5: "the T5 family",
  transformer: "the encoder-decoder transformer",
  roberta: "the RoBERTa family",
  llava: "the LLaVA family",
  dpr: "the DPR family",
  dpo: "DPO training",
  dit: "the DiT family",
};

/**
 * BERT fine-tuning tasks (the task_head's tasks), by the `model.name` 2.x files give and the data processors
 * 1.x PyTorch files name; the old layout's classifier is also told by its keys.
 */
const FINE_TUNING_NAMES: Readonly<Record<string, FineTuningTask>> = {
  "bert/classifier": "sequence",
  "bert/token_classifier": "token",
  "bert/extractive_summarization": "sentence",
  "bert/qa": "span",
};
const FINE_TUNING_PROCESSORS: Readonly<Record<string, FineTuningTask>> = {
  SST2DataProcessor: "sequence",
  MNLIDataProcessor: "sequence",
  BertTokenClassifierDataProcessor: "token",
  BertSumCSVDataProcessor: "sentence",
  BertQADataProcessor: "span",
};
/** TensorFlow's fine-tuning readers: their files point at a pre-training file for the model. */
const TF_FINE_TUNING_PROCESSORS = [
  "Sst2DataProcessor",
  "MnliDataProcessor",
  "NerDataProcessor",
  "BertSumTfRecordsProcessor",
  "QuestionAnsweringDataProcessor",
];
/** Model keys only the classifier head takes (1.x PyTorch files have no model.name). */
const CLASSIFIER_KEYS = ["num_labels", "problem_type", "task_dropout"];

/** What each task is called in messages. */
export const FINE_TUNING_TASKS: Readonly<Record<FineTuningTask, string>> = {
  sequence: "sequence classification (bert/classifier)",
  token: "token classification (bert/token_classifier)",
  sentence: "extractive summarization (bert/extractive_summarization)",
  span: "extractive question answering (bert/qa)",
};

/** The fine-tuning task a BERT file describes, undefined for pre-training, or a refusal message. */
function fineTuningOf(
  model: Record<string, unknown>,
  processors: readonly string[],
): FineTuningTask | { refused: string } | undefined {
  if (model.classifier_dropout !== undefined || model.freeze_pretrained_model !== undefined)
    return { refused: `${FEATURES.esmClassifier} is not implemented in wsc; wsc builds ESM-2 pre-training` };
  const tf = processors.find((p) => TF_FINE_TUNING_PROCESSORS.includes(p));
  if (model.pretrain_params_path !== undefined || tf !== undefined)
    return {
      refused:
        `${FEATURES.tfFineTuning} is not implemented in wsc; wsc builds the PyTorch fine-tuning configs ` +
        "(bert/classifier, token_classifier, extractive_summarization, qa)",
    };
  const name = typeof model.name === "string" ? FINE_TUNING_NAMES[model.name.toLowerCase()] : undefined;
  if (name) return name;
  const p = processors.map((x) => FINE_TUNING_PROCESSORS[x]).find((x) => x !== undefined);
  if (p) return p;
  if (CLASSIFIER_KEYS.some((k) => model[k] !== undefined)) return "sequence";
  return undefined;
}

export type FamilySource = "flag" | "model.name" | "keys";

export interface FamilyChoice {
  readonly family: ModelFamily;
  /** BERT fine-tuning: the task head in place of the pre-training heads. */
  readonly task?: FineTuningTask;
  readonly source: FamilySource;
  /** Why, in words, for `wsc model` and the docs. */
  readonly reason: string;
}

/** Which key table a family's model section uses. */
export function modelKeysKind(f: ModelFamily): ModelKeysKind {
  return f === "bert" ? "bert" : f === "mlp" ? "mlp" : f === "vit" ? "vit" : "decoder";
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
  if (has("patch_size") || has("image_size") || has("num_channels") || has("prepend_cls_token"))
    return because("vit", "the model section has ViT's keys (image_size/patch_size/num_channels)");
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
  // RMSNorm means LLaMA (every Model Zoo LLaMA config names it); SwiGLU alone does not: BTLM and JAIS are
  // GPT-2-class models with SwiGLU and LayerNorm
  if (model.norm_type === "rmsnorm" || model.use_rms_norm === true)
    return because("llama", "RMSNorm is LLaMA's");
  if (model.position_embedding_type === "rotary")
    return because("gptj", "rotary positions without RMSNorm/SwiGLU are GPT-J's");
  if (has("rotary_dim") && model.position_embedding_type === undefined)
    return because("gptj", "rotary_dim without a position type: TensorFlow GPT-J's rotary positions");
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
  const choice = chooseBase(model, processors, flag, namePath, nameLine);
  if (!("family" in choice)) return choice;
  const tuning = fineTuningOf(model, processors);
  if (tuning === undefined) return choice;
  if (typeof tuning === "object")
    return model.name !== undefined
      ? { path: namePath, line: nameLine, message: tuning.refused }
      : { path: namePath.replace(/\.name$/, ""), message: tuning.refused };
  // a file that names no family is the task's: BERT
  if (choice.source === "keys")
    return {
      family: "bert",
      task: tuning,
      source: "keys",
      reason: `fine-tuning: ${FINE_TUNING_TASKS[tuning]}`,
    };
  if (choice.family !== "bert")
    return {
      path: namePath,
      line: nameLine,
      message: `${FINE_TUNING_TASKS[tuning]} is a BERT head, but ${choice.reason} says ${choice.family}; make it bert`,
    };
  return { ...choice, task: tuning, reason: `${choice.reason}; fine-tuning: ${FINE_TUNING_TASKS[tuning]}` };
}

function chooseBase(
  model: Record<string, unknown>,
  processors: readonly string[],
  flag: string | undefined,
  namePath: string,
  nameLine: number | undefined,
): FamilyChoice | ConfigIssue {
  const known = Object.keys(FAMILY_NAMES).join(", ");
  const rawName = model.name;
  // 1.x's encoder-decoder files have no model.name: their keys (d_model, encoder_num_hidden_layers, ...) tell
  // T5 (relative position buckets, T5's layer norm) from the transformer (its src/tgt vocabularies)
  if (rawName === undefined && flag === undefined && model.encoder_num_hidden_layers !== undefined) {
    // the transformer's positions are fixed sinusoids (and its vocabularies src and tgt); T5's are relative
    const t5 = model.position_embedding_type !== "fixed" && model.tgt_vocab_size === undefined;
    return {
      path: namePath.replace(/\.name$/, ""),
      message:
        `${t5 ? "the T5 family" : "the encoder-decoder transformer"} is not implemented in wsc (the model section has ` +
        `encoder_num_hidden_layers: an encoder-decoder); wsc builds ${known}`,
    };
  }
  const named = typeof rawName === "string" ? familyOfName(rawName) : undefined;
  if (rawName !== undefined && (typeof rawName !== "string" || named === undefined)) {
    const n = String(rawName);
    const unbuilt = KNOWN_UNBUILT[n.toLowerCase()];
    return {
      path: namePath,
      line: nameLine,
      message: unbuilt
        ? `${JSON.stringify(rawName)}: ${unbuilt} is not implemented in wsc; wsc builds ${known}`
        : `${JSON.stringify(rawName)} is not a model family wsc knows; use one of ${known}`,
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
