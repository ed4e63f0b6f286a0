// Load a YAML configuration file and validate it with a zod schema, reporting every problem at once with its
// key path, line, value and the allowed range or values. Shared by every YAML way in (cluster files, Model Zoo
// params files).
import { LineCounter, isAlias, isMap, isScalar, parseDocument, visit } from "yaml";
import type { Document, Node as YamlNode, Scalar, YAMLMap } from "yaml";
import type { z } from "zod";
import { ConfigError, WscError, printable } from "../util/errors.js";
import type { ConfigIssue } from "../util/errors.js";
import { FileRefusedError, readRegularFile } from "../util/fs.js";

type PathKey = string | number;

/**
 * The largest YAML configuration file read, bytes. Model Zoo's params files are a few kilobytes (the largest
 * in its history under 20 KB); a file far larger is a wrong path (a data file, a device), not a config.
 */
export const MAX_CONFIG_BYTES = 4 << 20;

/**
 * Aliases a document may resolve, in all (yaml's own guard against an exponential "billion laughs" file; a
 * params file that uses anchors uses a handful).
 */
export const MAX_ALIAS_COUNT = 1_000;

/**
 * The text of a YAML configuration file: a regular file of at most MAX_CONFIG_BYTES (a device, a FIFO or a
 * folder is refused without reading it). `what` names it ("params file") and `flag` the option that gave it.
 */
export function readConfigFile(file: string, what: string, flag: string): string {
  try {
    return readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES }).toString("utf8");
  } catch (e) {
    if (!(e instanceof FileRefusedError)) throw e;
    const fix =
      e.refusal === "ENOENT"
        ? ` (no such file; check the ${flag} path)`
        : e.refusal === "not-regular" || e.refusal === "too-large"
          ? `; ${flag} takes a YAML file (a ${what} is a few kilobytes)`
          : "";
    throw new WscError(`cannot read ${what} ${file}: ${e.reason}${fix}`);
  }
}

/** 1-based line of a node's start, when it has a position. */
function nodeLine(node: { range?: [number, number, number] | null } | null | undefined, lines: LineCounter) {
  return node?.range ? lines.linePos(node.range[0]).line : undefined;
}

/**
 * Keys repeated within one mapping, each reported at its later occurrence with the line of the one before.
 * One pass with a map per mapping (yaml's own `uniqueKeys` compares every key with every earlier one: 40,000
 * keys took seconds).
 */
function duplicateKeys(doc: Document, lines: LineCounter): { key: unknown; first?: number; line?: number }[] {
  const out: { key: unknown; first?: number; line?: number }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Map<unknown, number | undefined>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue; // a complex key is never equal to another
        const k = pair.key.value;
        const line = nodeLine(pair.key, lines);
        if (seen.has(k)) out.push({ key: k, first: seen.get(k), line });
        seen.set(k, line);
      }
    },
  });
  return out;
}

/**
 * How a file is read. `wsc` (wsc's own formats): a repeated key in one mapping is an error. `pyyaml` (Model Zoo
 * params files, which PyYAML reads): a repeated key takes its last value, with a warning naming both lines,
 * and the YAML 1.1 booleans PyYAML knows (`yes`/`no`/`on`/`off` in their three cases, unquoted) are booleans.
 */
export type YamlDialect = "wsc" | "pyyaml";

const YAML11_BOOLEANS: Readonly<Record<string, boolean>> = Object.fromEntries(
  ["yes", "on"]
    .flatMap((w) => [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()].map((v) => [v, true]))
    .concat(
      ["no", "off"].flatMap((w) =>
        [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()].map((v) => [v, false]),
      ),
    ),
);

/** PyYAML's reading of unquoted yes/no/on/off values: booleans. */
function yaml11Booleans(doc: Document): void {
  const fix = (n: unknown) => {
    if (isScalar(n) && n.type === "PLAIN" && typeof n.value === "string" && n.value in YAML11_BOOLEANS)
      n.value = YAML11_BOOLEANS[n.value];
  };
  visit(doc, {
    Pair(_, pair) {
      fix(pair.value);
    },
    Seq(_, seq) {
      for (const item of seq.items) fix(item);
    },
  });
}

/** An alias whose anchor is not defined before it, with its line. */
function undefinedAlias(doc: Document, lines: LineCounter): ConfigIssue | undefined {
  const anchors = new Set<string>();
  let found: ConfigIssue | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        found = {
          path: "",
          line: nodeLine(node, lines),
          message: `YAML alias *${node.source} has no anchor &${node.source} before it: define the anchor first or write the value out`,
        };
        return visit.BREAK;
      }
    } else if (node && typeof node === "object" && "anchor" in node) {
      const a = (node as YamlNode).anchor;
      if (a) anchors.add(a);
    }
    return undefined;
  });
  return found;
}

/** Parse YAML text into a document with line information; syntax errors become a ConfigError. */
export function parseYaml(
  file: string,
  text: string,
  dialect: YamlDialect = "wsc",
): { doc: Document; lines: LineCounter; data: unknown; warnings: string[] } {
  const lines = new LineCounter();
  // PyYAML reads YAML 1.1's merge key (`<<: *anchor`, as Model Zoo's ViT configs use it), so params files do
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, merge: dialect === "pyyaml" });
  const issues: ConfigIssue[] = doc.errors.map((e) => ({
    path: "",
    line: e.linePos?.[0]?.line,
    message: `YAML syntax error: ${e.message.split("\n")[0]}`,
  }));
  const warnings: string[] = [];
  if (issues.length === 0) {
    for (const d of duplicateKeys(doc, lines)) {
      const at = d.first !== undefined ? `lines ${d.first} and ${d.line}` : `line ${d.line}`;
      if (dialect === "wsc")
        issues.push({
          path: "",
          line: d.line,
          message: `YAML syntax error: the key ${formatValue(d.key)} appears twice in one mapping (${at}); keep one`,
        });
      else
        warnings.push(
          `the key ${formatValue(d.key)} appears twice in one mapping (${at}); the last value (line ${d.line}) ` +
            "is used, as PyYAML reads it",
        );
    }
  }
  if (issues.length > 0) throw new ConfigError(file, issues);
  if (dialect === "pyyaml") yaml11Booleans(doc);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    const alias = undefinedAlias(doc, lines);
    throw new ConfigError(file, [
      alias ?? {
        path: "",
        message:
          `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes (an alias of an alias of ...); ` +
          `a params file needs no such nesting: write the values out`,
      },
    ]);
  }
  return { doc, lines, data: data ?? {}, warnings };
}

/** Each mapping's scalar keys by value, built once per mapping (so locating 40,000 keys is one pass, not 40,000). */
const keyIndexes = new WeakMap<YAMLMap, Map<unknown, Scalar>>();
function keyIndex(map: YAMLMap): Map<unknown, Scalar> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isScalar(p.key) && !index.has(p.key.value)) index.set(p.key.value, p.key);
    keyIndexes.set(map, index);
  }
  return index;
}

/** 1-based line of the value at `path` (or of the key `key` inside it), when the document has it. */
export function lineOf(
  doc: Document,
  lines: LineCounter,
  path: readonly PathKey[],
  key?: string,
): number | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const last = path[path.length - 1];
  const parentKey = typeof last === "string" ? last : undefined;
  if (key !== undefined) {
    const range = isMap(node) ? keyIndex(node).get(key)?.range : undefined;
    if (range) return lines.linePos(range[0]).line;
    // a key that is not in the file (a required one that is missing): the line of the section it belongs in
    if (path.length > 0)
      return lineOf(doc, lines, path.slice(0, -1), parentKey) ?? nodeLine(node as never, lines);
  }
  const at = nodeLine(node as { range?: [number, number, number] } | null | undefined, lines);
  if (at !== undefined || path.length === 0) return at;
  return lineOf(doc, lines, path.slice(0, -1), parentKey);
}

/** Dotted form of a key path: `optimizer.learning_rate[0].steps`. */
export function formatPath(path: readonly PathKey[]): string {
  return path
    .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? printable(k) : `.${printable(k)}`))
    .join("");
}

/** Short, quoted rendering of a value for an error message. */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") {
    const s = JSON.stringify(v);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  }
  return String(v);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "mapping";
  return typeof v;
}

// --- walking a zod schema to find what is allowed at a path ---

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
}

function defOf(s: z.ZodType): ZodDefLike {
  return (s as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** Strip optional/default/nullable/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (
      d.innerType &&
      ["optional", "default", "nullable", "prefault", "readonly", "catch"].includes(d.type)
    ) {
      s = d.innerType;
    } else if (d.type === "pipe" && d.in) {
      s = d.in;
    } else {
      return s;
    }
  }
}

/** The schema node that validates the value at `path`, if it can be found. */
export function schemaAt(schema: z.ZodType, path: readonly PathKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const k of path) {
    if (!s) return undefined;
    const d = defOf(unwrap(s));
    if (d.type === "object" && d.shape && typeof k === "string") s = d.shape[k];
    else if (d.type === "array" && d.element) s = d.element;
    else if (d.type === "record" && d.valueType) s = d.valueType;
    else if (d.type === "union" && d.options) {
      s = d.options.map((o) => schemaAt(o, [k])).find((x) => x !== undefined);
    } else return undefined;
  }
  return s;
}

/** Keys an object schema at `path` allows. */
export function allowedKeys(schema: z.ZodType, path: readonly PathKey[]): string[] {
  const s = schemaAt(schema, path);
  if (!s) return [];
  const d = defOf(unwrap(s));
  if (d.type === "object" && d.shape) return Object.keys(d.shape);
  if (d.type === "union" && d.options) {
    return [...new Set(d.options.flatMap((o) => allowedKeys(o, [])))];
  }
  return [];
}

interface NumberRange {
  min?: number;
  minInclusive: boolean;
  max?: number;
  maxInclusive: boolean;
  int: boolean;
}

/** The bounds a number schema checks, read from its checks. */
function rangeOf(s: z.ZodType | undefined): NumberRange | undefined {
  if (!s) return undefined;
  const d = defOf(unwrap(s)) as ZodDefLike & { checks?: { _zod: { def: Record<string, unknown> } }[] };
  if (d.type !== "number") return undefined;
  const r: NumberRange = { minInclusive: true, maxInclusive: true, int: false };
  for (const c of d.checks ?? []) {
    const cd = c._zod.def;
    if (cd.check === "number_format" && String(cd.format).includes("int")) r.int = true;
    if (cd.check === "greater_than") {
      r.min = cd.value as number;
      r.minInclusive = Boolean(cd.inclusive);
    }
    if (cd.check === "less_than") {
      r.max = cd.value as number;
      r.maxInclusive = Boolean(cd.inclusive);
    }
  }
  return r;
}

function describeRange(r: NumberRange): string {
  const kind = r.int ? "an integer" : "a number";
  if (r.min !== undefined && r.max !== undefined && r.minInclusive && r.maxInclusive)
    return `${kind} in ${r.min}..${r.max}`;
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`${r.minInclusive ? ">=" : ">"} ${r.min}`);
  if (r.max !== undefined) parts.push(`${r.maxInclusive ? "<=" : "<"} ${r.max}`);
  return parts.length ? `${kind} ${parts.join(" and ")}` : kind;
}

/** The description given to a schema node with `.describe()`, looking through optional wrappers. */
function descriptionOf(s: z.ZodType | undefined): string | undefined {
  for (let n = s; n;) {
    if (n.description) return n.description;
    const inner = defOf(n).innerType;
    n = inner;
  }
  return undefined;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** The closest allowed key, when it is close enough to be a likely typo. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

function collectLiterals(issue: z.core.$ZodIssue): unknown[] | undefined {
  if (issue.code === "invalid_value") return [...issue.values];
  if (issue.code === "invalid_union") {
    const vals: unknown[] = [];
    for (const branch of issue.errors) {
      for (const sub of branch) {
        const v = collectLiterals(sub);
        if (!v) return undefined;
        vals.push(...v);
      }
    }
    return vals;
  }
  return undefined;
}

/**
 * The branch of a failed union whose problems all lie inside the value (its kind matched: a list for the
 * list branch, a mapping for the mapping one), the one with the fewest; undefined when every branch
 * rejected the value itself.
 */
function matchedBranch(issue: z.core.$ZodIssue & { code: "invalid_union" }): z.core.$ZodIssue[] | undefined {
  const inside = issue.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  inside.sort((a, b) => a.length - b.length);
  return inside[0];
}

/** Issues given a "did you mean" suggestion (a ConfigError lists the first MAX_LISTED_ISSUES by line). */
const DETAILED_ISSUES = 200;

/** Turn zod issues into ConfigIssues with key paths, lines, values and allowed ranges. */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  data: unknown,
  doc?: Document,
  lines?: LineCounter,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const line = (p: readonly PathKey[], key?: string) =>
    doc && lines ? lineOf(doc, lines, p, key) : undefined;
  for (const issue of issues) {
    const path = issue.path as PathKey[];
    // a union the value matched in kind (a list, a mapping) but not in an entry: report that branch's own
    // problems, so a bad list entry is named (optimizer.learning_rate[1].scheduler), not the whole union
    const branch =
      issue.code === "invalid_union" && !collectLiterals(issue) ? matchedBranch(issue) : undefined;
    if (branch) {
      const nested = branch.map((b) => ({ ...b, path: [...path, ...(b.path as PathKey[])] }));
      out.push(...toConfigIssues(nested as z.core.$ZodIssue[], schema, data, doc, lines));
      continue;
    }
    const value = valueAt(data, path);
    const node = schemaAt(schema, path);
    const description = descriptionOf(node);
    const desc = description ? ` (${description})` : "";
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = allowedKeys(schema, path);
        const list = allowed.length
          ? ` Allowed keys${path.length ? ` under ${formatPath(path)}` : ""}: ${allowed.join(", ")}`
          : "";
        for (const key of issue.keys) {
          // a suggestion only for the keys a message can list: 40,000 unknown keys are counted, not spelled
          const hint = out.length < DETAILED_ISSUES ? suggestKey(key, allowed) : undefined;
          out.push({
            path: formatPath([...path, key]),
            line: line(path, key),
            message: `unknown key` + (hint ? `; did you mean "${hint}"?` : "") + list,
          });
        }
        break;
      }
      case "too_big":
      case "too_small": {
        const r = rangeOf(node);
        const limit =
          r !== undefined
            ? describeRange(r)
            : issue.code === "too_big"
              ? `at most ${String(issue.maximum)}`
              : `at least ${String(issue.minimum)}`;
        out.push({
          path: formatPath(path),
          line: line(path),
          message: `${formatValue(value)} is out of range: must be ${limit}${desc}`,
        });
        break;
      }
      case "invalid_type": {
        const expected = issue.expected === "int" ? "integer" : issue.expected;
        const key = path.length ? path[path.length - 1] : "";
        const message =
          value === undefined
            ? `required key ${typeof key === "number" ? `[${key}]` : printable(key)} is missing (expected ${expected})${desc}`
            : `wrong type: expected ${expected}, got ${typeName(value)} ${formatValue(value)}${desc}`;
        out.push({ path: formatPath(path), line: line(path), message });
        break;
      }
      case "invalid_value":
      case "invalid_union": {
        const lits = collectLiterals(issue);
        const k = path.length ? path[path.length - 1] : "";
        const shown =
          value === undefined
            ? `required key ${typeof k === "number" ? `[${k}]` : printable(k)} is missing`
            : formatValue(value);
        const message = lits
          ? `${shown}${value === undefined ? ":" : " is not allowed:"} expected one of ${lits.map(formatValue).join(", ")}${desc}`
          : `${shown}${value === undefined ? "" : " is not valid"}${desc}: ${issue.message}`;
        out.push({ path: formatPath(path), line: line(path), message });
        break;
      }
      case "invalid_format": {
        out.push({
          path: formatPath(path),
          line: line(path),
          message: `${formatValue(value)} is not allowed: ${issue.message}${desc}`,
        });
        break;
      }
      default:
        out.push({ path: formatPath(path), line: line(path), message: issue.message });
    }
  }
  return out;
}

/** Parse and validate a YAML file's text; returns the typed value or throws a ConfigError with every issue. */
export function loadYamlConfig<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const { doc, lines, data } = parseYaml(file, text);
  return validateConfig(file, data, schema, doc, lines);
}

/** Validate already-parsed data; throws a ConfigError with every issue. */
export function validateConfig<S extends z.ZodType>(
  file: string,
  data: unknown,
  schema: S,
  doc?: Document,
  lines?: LineCounter,
): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new ConfigError(file, toConfigIssues(r.error.issues, schema, data, doc, lines));
}
