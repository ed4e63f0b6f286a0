// Job labels as csctl takes them: `key=value` sets, `key-` removes. Keys and values follow the label rules
// of the cluster's job objects (Kubernetes): at most 63 characters of letters, digits, '-', '_' and '.',
// beginning and ending with a letter or digit; a value may be empty.
import { LabelError } from "./errors.js";

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX = 63;

export type LabelChange =
  { readonly key: string; readonly value: string } | { readonly key: string; readonly remove: true };

function checkKey(key: string, arg: string): void {
  if (key.length === 0 || key.length > MAX || !NAME.test(key)) {
    throw new LabelError(
      `label "${arg}": key "${key}" must be 1 to ${MAX} letters, digits, '-', '_' or '.', ` +
        `beginning and ending with a letter or digit (e.g. name=gpt3_111m)`,
    );
  }
}

/** Parse one `key=value` or `key-` argument. */
export function parseLabelChange(arg: string): LabelChange {
  const eq = arg.indexOf("=");
  if (eq < 0) {
    if (arg.endsWith("-") && arg.length > 1) {
      const key = arg.slice(0, -1);
      checkKey(key, arg);
      return { key, remove: true };
    }
    throw new LabelError(
      `label "${arg}" is neither key=value (to set) nor key- (to remove): e.g. team=nlp or team-`,
    );
  }
  const key = arg.slice(0, eq);
  const value = arg.slice(eq + 1);
  checkKey(key, arg);
  if (value.length > MAX || (value.length > 0 && !NAME.test(value))) {
    throw new LabelError(
      `label "${arg}": value "${value}" must be at most ${MAX} letters, digits, '-', '_' or '.', ` +
        `beginning and ending with a letter or digit`,
    );
  }
  return { key, value };
}

/** Parse `--job_labels name=x team=y` style arguments into a map (no removals allowed). */
export function parseLabels(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const c = parseLabelChange(a);
    if ("remove" in c)
      throw new LabelError(`label "${a}": a new job's labels are key=value pairs, e.g. name=${c.key}`);
    out[c.key] = c.value;
  }
  return out;
}

/** Apply changes to a label map, returning the new map. */
export function applyLabelChanges(
  labels: Readonly<Record<string, string>>,
  changes: readonly LabelChange[],
): Record<string, string> {
  const out: Record<string, string> = { ...labels };
  for (const c of changes) {
    if ("remove" in c) delete out[c.key];
    else out[c.key] = c.value;
  }
  return out;
}

/** `k=v,k2=v2` for tables; "-" for none. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const s = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return s || "-";
}
