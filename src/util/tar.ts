// A minimal POSIX ustar writer: regular files and folders, gzip-compressed with node:zlib. Enough for log
// bundles (`wsc ctl log-export`) without a dependency. Names longer than 100 bytes are split into the ustar
// prefix (up to 155 bytes) and name at a '/'.
import { gzipSync } from "node:zlib";
import { WscError } from "./errors.js";

export interface TarEntry {
  /** Path inside the archive, '/'-separated, relative. */
  readonly name: string;
  readonly data: Uint8Array | string;
  /** Modification time, epoch ms (default: now). */
  readonly mtimeMs?: number;
  /** Permission bits (default 0o644). */
  readonly mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL terminator, zero padded.
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function splitName(name: string): { name: string; prefix: string } {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: "" };
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { name: rest, prefix };
  }
  throw new WscError(`tar: the path "${name}" is too long for a ustar archive (at most 155 + 100 bytes)`);
}

function header(name: string, size: number, mtimeMs: number, mode: number, type: "0" | "5"): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { name: n, prefix } = splitName(name);
  h.write(n, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii"); // uid
  h.write(octal(0, 8), 116, 8, "ascii"); // gid
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(Math.floor(mtimeMs / 1000), 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii"); // checksum is computed with this field as spaces
  h.write(type, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
  return h;
}

/** An uncompressed ustar archive of the entries; folders are added for every parent path. */
export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const e of entries) {
    const mtime = e.mtimeMs ?? Date.now();
    const segments = e.name.split("/");
    for (let i = 1; i < segments.length; i++) {
      const d = segments.slice(0, i).join("/") + "/";
      if (!dirs.has(d)) {
        dirs.add(d);
        parts.push(header(d, 0, mtime, 0o755, "5"));
      }
    }
    const data = typeof e.data === "string" ? Buffer.from(e.data, "utf8") : Buffer.from(e.data);
    parts.push(header(e.name, data.length, mtime, e.mode ?? 0o644, "0"), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}

/** A gzip-compressed ustar archive (.tar.gz). */
export function tarGz(entries: readonly TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}
