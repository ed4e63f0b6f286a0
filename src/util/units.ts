// Formatting numbers with units for people: SI prefixes for rates, binary prefixes for memory, durations.
// No imports: the dashboard's page scripts (src/web/client) load this module in the browser too.

const SI = ["", "k", "M", "G", "T", "P", "E", "Z"];

/** 7.48e15, "FLOP/s" -> "7.48 PFLOP/s". */
export function si(value: number, unit: string, digits = 3): string {
  if (value === 0 || !Number.isFinite(value)) return `${value} ${unit}`;
  let i = 0;
  let v = Math.abs(value);
  while (v >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  const s = v.toPrecision(digits).replace(/\.0+$|(\.\d*?)0+$/, "$1");
  return `${value < 0 ? "-" : ""}${s} ${SI[i]}${unit}`;
}

const BIN = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 49152 -> "48 KiB". */
export function bytes(value: number, digits = 3): string {
  let i = 0;
  let v = value;
  while (Math.abs(v) >= 1024 && i < BIN.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(v) : v.toPrecision(digits).replace(/\.0+$|(\.\d*?)0+$/, "$1");
  return `${s} ${BIN[i]}`;
}

/** 753972 -> "753,972". */
export function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** 3.93e-6 -> "3.93 µs"; 0.25 -> "250 ms"; 12 -> "12 s" (`micro` replaces "µ" where only ASCII will do). */
export function seconds(value: number, digits = 3, micro = "µ"): string {
  if (value === 0 || !Number.isFinite(value)) return `${value} s`;
  const a = Math.abs(value);
  const [scale, unit] =
    a >= 1 ? [1, "s"] : a >= 1e-3 ? [1e3, "ms"] : a >= 1e-6 ? [1e6, `${micro}s`] : [1e9, "ns"];
  return `${(value * scale).toPrecision(digits).replace(/\.0+$|(\.\d*?)0+$/, "$1")} ${unit}`;
}

/** kubectl's short duration: 45s, 3m20s, 15m, 2h5m, 20h, 3d4h, 12d. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}
