// A picture of the wafer: the whole fabric grid with the host-transfer halo and the kernel rectangle in place,
// a zoom on the rectangle when it is small, each PE coloured by its busy cycles, a colour scale with its
// numbers, and a key. Written as PNG.
import { PNG } from "pngjs";
import type { WaferSpec } from "../hw/index.js";
import { GLYPH_H, drawText, textWidth } from "../util/font5x7.js";

export interface WaferPicture {
  readonly wafer: WaferSpec;
  /** The rectangle's size and its north-west PE on the fabric grid. */
  readonly width: number;
  readonly height: number;
  readonly fabricX: number;
  readonly fabricY: number;
  /** Busy cycles per PE of the rectangle, row-major. */
  readonly busy: ArrayLike<number>;
  /** PEs of the rectangle with code (others are drawn as without code); all when absent. */
  readonly coded?: ArrayLike<boolean>;
  /** Lines of text above the picture. */
  readonly title: readonly string[];
}

type RGB = readonly [number, number, number];
const BG: RGB = [250, 250, 250];
const INK: RGB = [30, 30, 30];
const HALO: RGB = [120, 120, 130];
const UNUSED: RGB = [215, 215, 220];
const NOCODE: RGB = [190, 190, 195];
const OUTLINE: RGB = [230, 40, 40];

// Perceptually ordered colour map (viridis control points), 0 -> 1.
const MAP: readonly RGB[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

export function colormap(v: number): RGB {
  const x = Math.min(1, Math.max(0, v)) * (MAP.length - 1);
  const i = Math.min(MAP.length - 2, Math.floor(x));
  const f = x - i;
  const a = MAP[i];
  const b = MAP[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f].map(
    Math.round,
  ) as unknown as RGB;
}

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.data = new Uint8Array(w * h * 4);
    this.rect(0, 0, w, h, BG);
  }
  rect(x: number, y: number, w: number, h: number, c: RGB): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.w, x + w);
    const y1 = Math.min(this.h, y + h);
    for (let py = y0; py < y1; py++)
      for (let px = x0; px < x1; px++) {
        const o = (py * this.w + px) * 4;
        this.data[o] = c[0];
        this.data[o + 1] = c[1];
        this.data[o + 2] = c[2];
        this.data[o + 3] = 255;
      }
  }
  frame(x: number, y: number, w: number, h: number, c: RGB, t = 1): void {
    this.rect(x - t, y - t, w + 2 * t, t, c);
    this.rect(x - t, y + h, w + 2 * t, t, c);
    this.rect(x - t, y, t, h, c);
    this.rect(x + w, y, t, h, c);
  }
  line(x0: number, y0: number, x1: number, y1: number, c: RGB): void {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++)
      this.rect(Math.round(x0 + ((x1 - x0) * i) / n), Math.round(y0 + ((y1 - y0) * i) / n), 1, 1, c);
  }
  text(x: number, y: number, s: string, c: RGB = INK, scale = 1): void {
    drawText(this.data, this.w, this.h, x, y, s, c, scale);
  }
}

function fmt(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e4) return `${(v / 1e3).toPrecision(3)}K`;
  return String(Math.round(v));
}

/** Render the picture; returns PNG bytes. */
export function renderWaferPng(pic: WaferPicture): Buffer {
  const wf = pic.wafer;
  const FW = wf.fabricWidth;
  const FH = wf.fabricHeight;
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < pic.busy.length; i++) {
    if (pic.coded && !pic.coded[i]) continue;
    max = Math.max(max, pic.busy[i]);
    min = Math.min(min, pic.busy[i]);
  }
  // The scale runs from the least to the most busy PE (from 0 when they differ by more than half), so
  // differences between PEs show; its numbers say where it starts.
  const lo = min === Infinity || min < max / 2 || min === max ? 0 : min;
  // Whole-wafer panel: one pixel per PE when it fits in about 1000 pixels, else fewer.
  const waferScale = Math.max(1, Math.floor(1000 / Math.max(FW, FH)));
  const zoom = Math.min(48, Math.floor(Math.min(560 / pic.width, 800 / pic.height)));
  const showZoom = zoom >= 2;
  const M = 20;
  const titleH = pic.title.length * (GLYPH_H * 2 + 6) + 10;
  const panelY = M + titleH + 24;
  const waferW = FW * waferScale;
  const waferH = FH * waferScale;
  const zoomW = showZoom ? pic.width * zoom : 0;
  const zoomH = showZoom ? pic.height * zoom : 0;
  const barX = M + waferW + (showZoom ? 40 + zoomW : 0) + 40;
  const W =
    barX +
    18 +
    textWidth(
      `HOST I/O HALO (${wf.halo.west} W, ${wf.halo.east} E, ${wf.halo.north} N, ${wf.halo.south} S)`,
    ) +
    M;
  const H = Math.max(panelY + waferH, panelY + zoomH) + 120;
  const cv = new Canvas(W, H);
  pic.title.forEach((line, i) => cv.text(M, M + i * (GLYPH_H * 2 + 6), line, INK, 2));

  const colorOf = (p: number): RGB => {
    if (pic.coded && !pic.coded[p]) return NOCODE;
    return colormap(max > lo ? (pic.busy[p] - lo) / (max - lo) : 1);
  };
  // Whole wafer.
  cv.text(M, panelY - 22, `${wf.name} FABRIC ${FW} X ${FH} PES`);
  cv.rect(M, panelY, waferW, waferH, UNUSED);
  const k = {
    x: wf.halo.west,
    y: wf.halo.north,
    w: FW - wf.halo.west - wf.halo.east,
    h: FH - wf.halo.north - wf.halo.south,
  };
  cv.rect(M, panelY, k.x * waferScale, waferH, HALO);
  cv.rect(M + (k.x + k.w) * waferScale, panelY, wf.halo.east * waferScale, waferH, HALO);
  cv.rect(M, panelY, waferW, k.y * waferScale, HALO);
  cv.rect(M, panelY + (k.y + k.h) * waferScale, waferW, wf.halo.south * waferScale, HALO);
  for (let y = 0; y < pic.height; y++)
    for (let x = 0; x < pic.width; x++)
      cv.rect(
        M + (pic.fabricX + x) * waferScale,
        panelY + (pic.fabricY + y) * waferScale,
        waferScale,
        waferScale,
        colorOf(y * pic.width + x),
      );
  // Outline the rectangle so a small one is easy to find (the whole kernel rectangle is framed by the halo).
  const whole = pic.width === k.w && pic.height === k.h;
  if (!whole)
    cv.frame(
      M + pic.fabricX * waferScale,
      panelY + pic.fabricY * waferScale,
      pic.width * waferScale,
      pic.height * waferScale,
      OUTLINE,
      1,
    );
  if (pic.width * waferScale < 40 && pic.height * waferScale < 40) {
    const cx = M + pic.fabricX * waferScale;
    const cy = panelY + pic.fabricY * waferScale;
    cv.frame(cx - 10, cy - 10, pic.width * waferScale + 20, pic.height * waferScale + 20, OUTLINE, 1);
  }
  cv.frame(M, panelY, waferW, waferH, INK, 1);
  // Zoom on the rectangle.
  if (showZoom) {
    const zx = M + waferW + 40;
    // A leader from the rectangle's place on the wafer to its zoom.
    cv.line(
      M + (pic.fabricX + pic.width) * waferScale + 10,
      panelY + (pic.fabricY + pic.height) * waferScale + 10,
      zx - 3,
      panelY + Math.floor(zoomH / 2),
      OUTLINE,
    );
    cv.text(
      zx,
      panelY - 22,
      `KERNEL RECTANGLE ${pic.width} X ${pic.height} AT (${pic.fabricX}, ${pic.fabricY})`,
    );
    for (let y = 0; y < pic.height; y++)
      for (let x = 0; x < pic.width; x++) {
        const gap = zoom >= 6 ? 1 : 0;
        cv.rect(zx + x * zoom, panelY + y * zoom, zoom - gap, zoom - gap, colorOf(y * pic.width + x));
      }
    cv.frame(zx, panelY, zoomW, zoomH, OUTLINE, 2);
  }
  // Colour scale.
  const barH = 256;
  cv.text(barX, panelY - 22, "BUSY CYCLES PER PE");
  for (let i = 0; i < barH; i++) cv.rect(barX, panelY + i, 24, 1, colormap(1 - i / (barH - 1)));
  cv.frame(barX, panelY, 24, barH, INK, 1);
  for (const f of [1, 0.75, 0.5, 0.25, 0]) {
    const y = panelY + Math.round((1 - f) * (barH - 1));
    cv.rect(barX + 24, y, 5, 1, INK);
    cv.text(barX + 32, y - 3, fmt(lo + f * (max - lo)));
  }
  // Key.
  const keyY = panelY + barH + 24;
  const key: [RGB, string][] = [
    [HALO, `HOST I/O HALO (${wf.halo.west} W, ${wf.halo.east} E, ${wf.halo.north} N, ${wf.halo.south} S)`],
    [UNUSED, "OUTSIDE THE RECTANGLE"],
    [OUTLINE, "KERNEL RECTANGLE"],
  ];
  if (pic.coded) key.push([NOCODE, "PE WITHOUT CODE"]);
  key.forEach(([c, label], i) => {
    cv.rect(barX, keyY + i * 16, 12, 10, c);
    cv.frame(barX, keyY + i * 16, 12, 10, INK, 1);
    cv.text(barX + 18, keyY + i * 16 + 2, label);
  });
  const png = new PNG({ width: W, height: H });
  png.data = Buffer.from(cv.data.buffer, cv.data.byteOffset, cv.data.byteLength);
  return PNG.sync.write(png);
}
