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

/** A configuration file with one or more problems, all reported at once. */
export class ConfigError extends WscError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map(
      (i) => `  ${file}${i.line ? `:${i.line}` : ""}: ${i.path || "(top level)"}: ${i.message}`,
    );
    super(`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
    this.file = file;
    this.issues = issues;
  }
}
