// File-system helpers shared by every layer that writes output.
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p`: create `path` and its missing parents. Always returns or throws (with the errno code of the
 * step that failed). Node's own `mkdirSync(path, { recursive: true })` can spin forever when a parent exists
 * but cannot hold the child: a path under /proc, a dangling symbolic link, a stale mount.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  for (let p = resolve(path); ;) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (st) {
      // exists: a file as the target fails here with EEXIST, a file as a parent in the mkdir below (ENOTDIR)
      if (missing.length === 0 && !st.isDirectory()) mkdirSync(p);
      break;
    }
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      // another process made it in the meantime: fine if it is a directory
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && isDirectory(d)) continue;
      throw e;
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
