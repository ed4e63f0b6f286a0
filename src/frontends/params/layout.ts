// The two layouts of Model Zoo params files, as zod schemas over the whole document, and the list of their
// sections (where each sits in the file and which keys it takes).
//
// Old layout (releases 1.6 to 2.2):      New layout (2.3 and later):
//   train_input: {...}                     trainer:
//   eval_input: {...}                        init: {backend, model_dir, seed, model, optimizer: {AdamW: {...}},
//   model: {...}                                    schedulers, precision, loop, checkpoint, logging, callbacks}
//   optimizer: {...}                         fit: {train_dataloader, val_dataloader, ckpt_path}
//   runconfig: {...}                       validate / validate_all: {val_dataloader(s), ckpt_path(s)}
import { z } from "zod";
import {
  INPUT_KEYS,
  MODEL_KEYS,
  NEW_BACKEND_KEYS,
  NEW_CHECKPOINT_KEYS,
  NEW_INIT_KEYS,
  NEW_LOGGING_KEYS,
  NEW_LOOP_KEYS,
  NEW_OPTIMIZER_CLASSES,
  NEW_OPTIMIZER_KEYS,
  NEW_PRECISION_KEYS,
  NEW_SCHEDULER_NAMES,
  OLD_OPTIMIZER_KEYS,
  OLD_TOP_KEYS,
  RUNCONFIG_KEYS,
  UNBUILT_SCHEDULERS,
  newSchedulerSchema,
  sectionSchema,
} from "./keys.js";
import type { ModelKeysKind, SectionKeys } from "./keys.js";

export type Layout = "old" | "new";
export type PathKey = string | number;

/** Which layout a parsed document uses: `trainer` at the top means the new one. */
export function detectLayout(data: unknown): Layout {
  return data !== null && typeof data === "object" && "trainer" in data ? "new" : "old";
}

const inputSchema = sectionSchema(INPUT_KEYS);

/** A class name as Model Zoo looks it up: the spelling of the class, or all lower case (`adamw`). */
const anyCase = (names: readonly string[]) => [...names, ...names.map((n) => n.toLowerCase())];
export const OPTIMIZER_CLASS_SPELLINGS = anyCase(NEW_OPTIMIZER_CLASSES);
const SCHEDULER_SPELLINGS = anyCase(NEW_SCHEDULER_NAMES);
/** Model Zoo schedulers wsc does not build, as class names (StepLR, steplr): refused by name, not "unknown". */
const UNBUILT_SCHEDULER_SPELLINGS = anyCase(
  [...new Set(Object.values(UNBUILT_SCHEDULERS))].map((n) => (n.endsWith("Scheduler") ? n : `${n}LR`)),
);

const schedulerItem = z.strictObject({
  ...Object.fromEntries(SCHEDULER_SPELLINGS.map((n) => [n, newSchedulerSchema.optional()])),
  ...Object.fromEntries(UNBUILT_SCHEDULER_SPELLINGS.map((n) => [n, z.unknown().optional()])),
});
const scheduleSchema = z.strictObject({
  ...Object.fromEntries(SCHEDULER_SPELLINGS.map((n) => [n, newSchedulerSchema.optional()])),
  ...Object.fromEntries(UNBUILT_SCHEDULER_SPELLINGS.map((n) => [n, z.unknown().optional()])),
  SequentialLR: z
    .strictObject({
      schedulers: z.array(schedulerItem).min(1),
      milestones: z.array(z.number().int()).optional(),
    })
    .optional(),
});
const schedulersSchema = z
  .array(
    scheduleSchema.extend({
      // muP's wrapper applying adjust_learning_rate per parameter group, which wsc applies to every schedule
      ScalePerParamLR: z.strictObject({ scheduler: scheduleSchema }).optional(),
    }),
  )
  .describe(
    `a list of schedulers (${NEW_SCHEDULER_NAMES.join(", ")}, or SequentialLR of them, or ScalePerParamLR of one)`,
  );

const newOptimizerSchema = z.strictObject(
  Object.fromEntries(OPTIMIZER_CLASS_SPELLINGS.map((n) => [n, sectionSchema(NEW_OPTIMIZER_KEYS).optional()])),
);

/** The whole-document schema of a layout, with the model section for the given family kind. */
export function documentSchema(layout: Layout, modelKind: ModelKeysKind): z.ZodType {
  const model = sectionSchema(MODEL_KEYS[modelKind]);
  if (layout === "old") {
    return z.strictObject({
      train_input: inputSchema.optional(),
      eval_input: inputSchema.optional(),
      model,
      optimizer: sectionSchema(OLD_OPTIMIZER_KEYS).optional(),
      runconfig: sectionSchema(RUNCONFIG_KEYS).optional(),
      ...Object.fromEntries(
        [...Object.keys(OLD_TOP_KEYS.ignored), ...Object.keys(OLD_TOP_KEYS.unsupported)].map((k) => [
          k,
          z.unknown().optional(),
        ]),
      ),
    });
  }
  const valLoaders = z.union([inputSchema, z.array(inputSchema).min(1)]);
  return z.strictObject({
    trainer: z.strictObject({
      init: sectionSchema(NEW_INIT_KEYS, {
        backend: sectionSchema(NEW_BACKEND_KEYS).optional(),
        model,
        optimizer: newOptimizerSchema.optional(),
        schedulers: schedulersSchema.optional(),
        precision: sectionSchema(NEW_PRECISION_KEYS).optional(),
        loop: sectionSchema(NEW_LOOP_KEYS).optional(),
        checkpoint: sectionSchema(NEW_CHECKPOINT_KEYS).optional(),
        logging: sectionSchema(NEW_LOGGING_KEYS).optional(),
      }),
      fit: z
        .strictObject({
          train_dataloader: inputSchema.optional(),
          val_dataloader: valLoaders.optional(),
          ckpt_path: z.string().nullable().optional(),
        })
        .optional(),
      validate: z
        .strictObject({
          val_dataloader: valLoaders.optional(),
          ckpt_path: z.string().nullable().optional(),
          loop: sectionSchema(NEW_LOOP_KEYS).optional(),
        })
        .optional(),
      validate_all: z
        .strictObject({
          val_dataloaders: valLoaders.optional(),
          loop: sectionSchema(NEW_LOOP_KEYS).optional(),
          ckpt_paths: z
            .union([z.string(), z.array(z.string())])
            .nullable()
            .optional(),
        })
        .optional(),
    }),
  });
}

/** A section of a document: where it is, its value (a mapping, when it is one) and the keys it takes. */
export interface Section {
  readonly path: readonly PathKey[];
  readonly value: Record<string, unknown>;
  readonly keys: SectionKeys;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Value at a key path of parsed data, or undefined. */
export function getIn(data: unknown, path: readonly PathKey[]): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

/** Path of the model section in a layout. */
export function modelPath(layout: Layout): PathKey[] {
  return layout === "old" ? ["model"] : ["trainer", "init", "model"];
}

/** Paths of the training and evaluation input sections that are present. */
export function inputPaths(layout: Layout, data: unknown): { train?: PathKey[]; eval?: PathKey[] } {
  if (layout === "old") {
    return {
      train: isMapping(getIn(data, ["train_input"])) ? ["train_input"] : undefined,
      eval: isMapping(getIn(data, ["eval_input"])) ? ["eval_input"] : undefined,
    };
  }
  const train: PathKey[] = ["trainer", "fit", "train_dataloader"];
  const candidates: PathKey[][] = [
    ["trainer", "fit", "val_dataloader"],
    ["trainer", "fit", "val_dataloader", 0],
    ["trainer", "validate", "val_dataloader"],
    ["trainer", "validate", "val_dataloader", 0],
    ["trainer", "validate_all", "val_dataloaders"],
    ["trainer", "validate_all", "val_dataloaders", 0],
  ];
  return {
    train: isMapping(getIn(data, train)) ? train : undefined,
    eval: candidates.find((p) => isMapping(getIn(data, p))),
  };
}

/** Every section of the document that has a key table, with its path. */
export function sectionsOf(layout: Layout, data: unknown, modelKind: ModelKeysKind): Section[] {
  const out: Section[] = [];
  const add = (path: PathKey[], keys: SectionKeys) => {
    const v = getIn(data, path);
    if (isMapping(v)) out.push({ path, value: v, keys });
  };
  add(modelPath(layout), MODEL_KEYS[modelKind]);
  const inputs = new Set<string>();
  const addInput = (p: PathKey[] | undefined) => {
    if (p && !inputs.has(JSON.stringify(p))) {
      inputs.add(JSON.stringify(p));
      add(p, INPUT_KEYS);
    }
  };
  const io = inputPaths(layout, data);
  addInput(io.train);
  addInput(io.eval);
  if (layout === "old") {
    if (isMapping(data)) out.push({ path: [], value: data, keys: OLD_TOP_KEYS });
    add(["optimizer"], OLD_OPTIMIZER_KEYS);
    add(["runconfig"], RUNCONFIG_KEYS);
    return out;
  }
  const init = ["trainer", "init"];
  add(init, NEW_INIT_KEYS);
  add([...init, "backend"], NEW_BACKEND_KEYS);
  add([...init, "precision"], NEW_PRECISION_KEYS);
  add([...init, "loop"], NEW_LOOP_KEYS);
  add([...init, "checkpoint"], NEW_CHECKPOINT_KEYS);
  add([...init, "logging"], NEW_LOGGING_KEYS);
  for (const cls of OPTIMIZER_CLASS_SPELLINGS) add([...init, "optimizer", cls], NEW_OPTIMIZER_KEYS);
  return out;
}
