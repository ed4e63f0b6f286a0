// The ViT image sources: synthetic images (the same sample for the same seed and index, different splits
// different draws) and torchvision's ImageFolder layout of PNG files (decoded with pngjs; values scaled to
// [0, 1] and normalised with ImageNet's mean and std, channels first), with the errors a user meets.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { ImageFolder, SyntheticImages } from "./sources/images.js";

function png(
  path: string,
  w: number,
  h: number,
  rgb: (x: number, y: number) => [number, number, number],
): void {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      p.data.set([r, g, b, 255], (y * w + x) * 4);
    }
  writeFileSync(path, PNG.sync.write(p));
}

describe("image sources", () => {
  const shape = { channels: 3, size: [2, 2] as const };
  it("synthetic images: deterministic per (seed, sample), other draws for the evaluation split", () => {
    const a = new SyntheticImages(10, shape, 4, 5, 1);
    const b = new SyntheticImages(10, shape, 4, 5, 1);
    expect(a.read([3, 7]).images).toEqual(b.read([3, 7]).images);
    expect(a.read([3]).images!.length).toBe(12);
    const evalSplit = new SyntheticImages(10, shape, 4, 5, 1, false);
    expect(evalSplit.read([3]).images).not.toEqual(a.read([3]).images);
  });

  it("ImageFolder: classes in sorted order, pixels channels first, normalised as to_tensor + normalize", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-img-"));
    for (const c of ["dog", "cat"]) mkdirSync(join(d, "train", c), { recursive: true });
    png(join(d, "train", "cat", "a.png"), 2, 2, (x, y) => [255, x * 255, y * 51]);
    png(join(d, "train", "dog", "b.png"), 2, 2, () => [0, 0, 0]);
    const src = new ImageFolder(join(d, "train"), shape, 5, "train_dataloader");
    expect(src.numSamples).toBe(2);
    const b = src.read([0, 1]);
    expect([...b.taskLabels!]).toEqual([0, 1]); // cat, dog
    const img = b.images!;
    // channel 0 (red) of the cat: 255 everywhere -> (1 - 0.485) / 0.229
    expect(img[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    // channel 1 (green) at (x 1, y 0) -> index 4 + 0 * 2 + 1: 255 -> (1 - 0.456) / 0.224
    expect(img[5]).toBeCloseTo((1 - 0.456) / 0.224, 5);
    expect(img[4]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    // channel 2 (blue) at (x 0, y 1): 51 -> (0.2 - 0.406) / 0.225
    expect(img[8 + 2]).toBeCloseTo((51 / 255 - 0.406) / 0.225, 5);
  });

  it("ImageFolder names an image of another size and a JPEG", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-img-bad-"));
    mkdirSync(join(d, "x"), { recursive: true });
    png(join(d, "x", "big.png"), 3, 2, () => [1, 2, 3]);
    const src = new ImageFolder(d, shape, 5, "train_dataloader");
    expect(() => src.read([0])).toThrow(
      /big\.png: 3x2 pixels; the model takes 2x2 \(image_size\): wsc does not resize/,
    );
    writeFileSync(join(d, "x", "c.jpg"), "not really");
    expect(() => new ImageFolder(d, shape, 5, "train_dataloader")).toThrow(
      /c\.jpg: wsc reads PNG images only/,
    );
  });
});
