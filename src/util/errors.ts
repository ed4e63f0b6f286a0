// Typed errors. Each carries the data a user needs to act (the key, the value, the limit, the fix); the CLI
// prints `message` without a stack trace for every WscError and exits with its `exitCode`.

export class WscError extends Error {
  /** Process exit code the CLI uses: 2 for bad input (the default), 1 for failures of a run. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The system's short reason a file operation failed ("ENOENT", "EACCES", "ENOTDIR", ...), else the error's text. */
export function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException | null)?.code ?? String(e);
}

/** One problem found in a configuration file, located by its key path and line. */
export interface ConfigIssue {
  /** Dotted key path, e.g. `wafer.clock_ghz` or `model.hidden_size`. */
  readonly path: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
  /** What is wrong, with the value and the allowed range or values. */
  readonly message: string;
}

/** Problems a ConfigError lists; the rest are counted ("... and 39,980 more"). */
export const MAX_LISTED_ISSUES = 20;

/**
 * Text from a file, safe to print: control characters (an escape sequence in a YAML key, a carriage return)
 * are shown escaped (`\u001b`), so a message cannot move the cursor, recolour or rewrite the terminal.
 */
export function printable(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A configuration file with one or more problems, all reported at once. */
export class ConfigError extends WscError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues
      .slice(0, MAX_LISTED_ISSUES)
      .map((i) => `  ${file}${i.line ? `:${i.line}` : ""}: ${i.path || "(top level)"}: ${i.message}`);
    const more = issues.length - MAX_LISTED_ISSUES;
    if (more > 0) lines.push(`  ... and ${more.toLocaleString("en-US")} more; fix these first`);
    super(`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
    this.file = file;
    this.issues = issues;
  }
}
