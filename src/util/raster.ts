// A small RGB raster for pictures written as PNG (pngjs): rectangles, lines of 5 x 7 text, colors.
import { PNG } from "pngjs";
import { drawText, textWidth } from "../util/font5x7.js";

export type RGB = readonly [number, number, number];

export class Raster {
  readonly width: number;
  readonly height: number;
  private readonly png: PNG;

  constructor(width: number, height: number, background: RGB = [255, 255, 255]) {
    this.width = Math.ceil(width);
    this.height = Math.ceil(height);
    this.png = new PNG({ width: this.width, height: this.height });
    this.rect(0, 0, this.width, this.height, background);
  }

  /** Fill the rectangle [x, x + w) x [y, y + h), clipped to the raster. */
  rect(x: number, y: number, w: number, h: number, c: RGB): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    const d = this.png.data;
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 4;
        d[i] = c[0];
        d[i + 1] = c[1];
        d[i + 2] = c[2];
        d[i + 3] = 255;
      }
    }
  }

  /** A 1-pixel outline. */
  frame(x: number, y: number, w: number, h: number, c: RGB, t = 1): void {
    this.rect(x, y, w, t, c);
    this.rect(x, y + h - t, w, t, c);
    this.rect(x, y, t, h, c);
    this.rect(x + w - t, y, t, h, c);
  }

  /** Text with its top-left corner at (x, y); returns the x after it. */
  text(x: number, y: number, s: string, c: RGB, scale = 1): number {
    drawText(this.png.data, this.width, this.height, Math.round(x), Math.round(y), s, c, scale);
    return x + textWidth(s, scale) + scale;
  }

  toPng(): Buffer {
    return PNG.sync.write(this.png);
  }
}

/** HSL (h in [0, 360), s and l in [0, 1]) to RGB. */
export function hsl(h: number, s: number, l: number): RGB {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(255 * f(0)), Math.round(255 * f(8)), Math.round(255 * f(4))];
}

/** A perceptually ordered heat scale (dark blue, teal, yellow) for a value in [0, 1]. */
export function heat(v: number): RGB {
  const stops: RGB[] = [
    [48, 18, 59],
    [40, 110, 190],
    [30, 175, 160],
    [140, 210, 80],
    [250, 230, 60],
  ];
  const t = Math.max(0, Math.min(1, v)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  return stops[i].map((a, j) => Math.round(a + f * (stops[i + 1][j] - a))) as unknown as RGB;
}

/** Mix a color with white: 0 keeps it, 1 is white. */
export function pale(c: RGB, amount: number): RGB {
  return c.map((v) => Math.round(v + (255 - v) * amount)) as unknown as RGB;
}
