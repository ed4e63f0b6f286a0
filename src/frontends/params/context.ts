// What the params loader carries while it reads a file: the parsed document (for lines), the problems found
// so far and the warnings. Readers take raw (possibly invalid) values and return typed ones or undefined, so
// consistency checks can run beside schema validation and every problem is reported at once.
import type { Document, LineCounter } from "yaml";
import type { ConfigIssue } from "../../util/errors.js";
import { formatPath, lineOf } from "../yaml-config.js";
import { getIn } from "./layout.js";
import type { PathKey } from "./layout.js";

export class ParamsContext {
  readonly issues: ConfigIssue[] = [];
  readonly warnings: string[] = [];
  constructor(
    readonly data: unknown,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  line(path: readonly PathKey[]): number | undefined {
    if (!this.doc || !this.lines) return undefined;
    if (path.length === 0) return undefined;
    const parent = path.slice(0, -1);
    const last = path[path.length - 1];
    return typeof last === "string"
      ? lineOf(this.doc, this.lines, parent, last)
      : lineOf(this.doc, this.lines, path);
  }

  issue(path: readonly PathKey[], message: string): void {
    this.issues.push({ path: formatPath(path), line: this.line(path), message });
  }

  /** `path` with its line, for warnings: "model.loss_weight (line 12)". */
  where(path: readonly PathKey[]): string {
    const l = this.line(path);
    return `${formatPath(path)}${l ? ` (line ${l})` : ""}`;
  }

  get(path: readonly PathKey[]): unknown {
    return getIn(this.data, path);
  }

  num(path: readonly PathKey[]): number | undefined {
    const v = this.get(path);
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
  }

  str(path: readonly PathKey[]): string | undefined {
    const v = this.get(path);
    return typeof v === "string" ? v : undefined;
  }

  bool(path: readonly PathKey[]): boolean | undefined {
    const v = this.get(path);
    return typeof v === "boolean" ? v : undefined;
  }
}
