// File-system helpers shared by every layer that writes output.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readlinkSync,
  realpathSync,
  statSync,
} from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { errnoCode } from "./errors.js";

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

/** Why a file was refused by {@link openRegularFile}: the system's code, or one of the checks below. */
export type FileRefusal = "ENOENT" | "not-regular" | "symlink" | "outside" | "too-large" | (string & {});

/** A file {@link openRegularFile} would not open, with a sentence saying why (for the caller's message). */
export class FileRefusedError extends Error {
  constructor(
    readonly path: string,
    readonly refusal: FileRefusal,
    /** What is wrong, as a clause: "it is a character device, not a regular file". */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "FileRefusedError";
  }
}

export interface RegularFileOptions {
  /** The largest file accepted, bytes. */
  readonly maxBytes: number;
  /**
   * Serve-side confinement: refuse a symbolic link as the last part of the path, and a file whose real
   * location (after every link in its folders) is not inside this folder's real location.
   */
  readonly within?: string;
}

/** What a non-regular file is, for messages. */
export function fileKind(st: {
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/** Bytes as a message shows a size limit: "4 MiB", "30.2 MB (31666666 bytes)". */
function sizeText(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB (${n} bytes)` : `${n} bytes`;
}

/** Is `p` (a real path) `root` or inside it? */
function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of an open descriptor (Linux: /proc/self/fd), else of the path it was opened from. */
function realPathOf(fd: number, path: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return realpathSync(path);
  }
}

/**
 * Open a file that must be a regular file of at most `maxBytes`, checked on the open descriptor (so what is
 * checked is what is read). The open does not block, so a FIFO is refused instead of waited on; a device
 * (/dev/zero, /dev/urandom), a directory or a socket is refused by kind. With `within`, a symbolic link as
 * the last component is refused (O_NOFOLLOW) and so is a file whose real location is outside `within`.
 * Returns the descriptor (the caller closes it) and the size; throws FileRefusedError.
 */
export function openRegularFile(path: string, o: RegularFileOptions): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NONBLOCK | (o.within !== undefined ? constants.O_NOFOLLOW : 0),
    );
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ELOOP" && o.within !== undefined)
      throw new FileRefusedError(path, "symlink", "it is a symbolic link, which is not served");
    throw new FileRefusedError(path, code, code);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new FileRefusedError(path, "not-regular", `it is ${fileKind(st)}, not a regular file`);
    if (o.within !== undefined) {
      let root: string;
      try {
        root = realpathSync(o.within);
      } catch (e) {
        throw new FileRefusedError(path, errnoCode(e), `its folder ${o.within} cannot be resolved`);
      }
      if (!isInside(realPathOf(fd, path), root))
        throw new FileRefusedError(path, "outside", `it resolves to a file outside ${o.within}`);
    }
    if (st.size > o.maxBytes)
      throw new FileRefusedError(
        path,
        "too-large",
        `it is ${sizeText(st.size)}, more than the ${sizeText(o.maxBytes)} allowed`,
      );
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Read `length` bytes at `position` of an open file; fewer only at its end. */
export function readRange(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The whole content of a file {@link openRegularFile} accepts. */
export function readRegularFile(path: string, o: RegularFileOptions): Buffer {
  const { fd, size } = openRegularFile(path, o);
  try {
    return readRange(fd, 0, size);
  } finally {
    closeSync(fd);
  }
}
