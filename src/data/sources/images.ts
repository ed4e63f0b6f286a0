// Image sources for ViT: samples are channels-first float images [C, height, width] and a class label.
//   SyntheticImages   Model Zoo's fake data of the configured size (use_fake_data): class c has a fixed
//                     random image mu_c ~ N(0, I); a sample is mu_c + z, z ~ N(0, I), a pure function of
//                     (seed, sample), so a classifier can learn it;
//   ImageFolder       torchvision's ImageFolder layout, as Model Zoo's ImageNet1KProcessor reads it:
//                     data_dir/split/CLASS/*.png, the classes in sorted order; PNG files are decoded with pngjs
//                     and must be of the configured size and channels (grey 1, RGB 3: wsc does not resize), their
//                     values scaled to [0, 1] and normalised with ImageNet's mean and std, as the processor's
//                     to_tensor and normalize transforms do.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { readRegularFile } from "../../util/fs.js";
import { DataError } from "../errors.js";
import { Stream, key } from "../random.js";
import type { BatchFields, SampleSource } from "../source.js";

export interface ImageShape {
  readonly channels: number;
  readonly size: readonly [number, number];
}

const pixels = (s: ImageShape) => s.channels * s.size[0] * s.size[1];

function imageBatch(
  indices: readonly number[],
  shape: ImageShape,
  fill: (i: number, out: Float32Array) => number,
): BatchFields {
  const P = pixels(shape);
  const images = new Float32Array(indices.length * P);
  const taskLabels = new Int32Array(indices.length);
  indices.forEach((i, r) => {
    taskLabels[r] = fill(i, images.subarray(r * P, (r + 1) * P));
  });
  return { images, taskLabels };
}

export class SyntheticImages implements SampleSource {
  readonly description: string;
  private readonly means: Float32Array;

  constructor(
    readonly numSamples: number,
    private readonly shape: ImageShape,
    private readonly classes: number,
    readonly seqLen: number,
    private readonly seed: number,
    /** Which split: the training and evaluation samples are different draws of the same classes. */
    private readonly training = true,
  ) {
    const P = pixels(shape);
    this.means = new Float32Array(classes * P);
    const s = new Stream(key(seed, 0x1ea9e));
    for (let k = 0; k < this.means.length; k++) this.means[k] = s.normal();
    this.description = `synthetic images: ${numSamples} samples of ${shape.channels}x${shape.size.join("x")}, ${classes} classes`;
  }

  lossTokens(): number {
    return 1;
  }

  read(indices: readonly number[]): BatchFields {
    const P = pixels(this.shape);
    return imageBatch(indices, this.shape, (i, out) => {
      const s = new Stream(key(this.seed, i, this.training ? 0x1a6e : 0xe7a1));
      const c = s.below(this.classes);
      for (let p = 0; p < P; p++) out[p] = this.means[c * P + p] + s.normal();
      return c;
    });
  }
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export class ImageFolder implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  private readonly files: { path: string; label: number }[] = [];

  constructor(
    root: string,
    private readonly shape: ImageShape,
    readonly seqLen: number,
    private readonly section: string,
  ) {
    let classes: string[];
    try {
      classes = readdirSync(root)
        .filter((d) => statSync(join(root, d)).isDirectory())
        .sort();
    } catch (e) {
      throw new DataError(`${section}.data_dir: ${root} cannot be read (${(e as Error).message})`);
    }
    if (classes.length === 0)
      throw new DataError(
        `${section}.data_dir: ${root} has no class folders (ImageFolder: split/CLASS/*.png)`,
      );
    classes.forEach((c, label) => {
      for (const f of readdirSync(join(root, c)).sort()) {
        if (/\.png$/i.test(f)) this.files.push({ path: join(root, c, f), label });
        else if (/\.(jpe?g|bmp|webp)$/i.test(f))
          throw new DataError(`${join(root, c, f)}: wsc reads PNG images only; convert the folder to PNG`);
      }
    });
    this.numSamples = this.files.length;
    if (this.numSamples === 0) throw new DataError(`${section}.data_dir: ${root} holds no PNG images`);
    this.description = `ImageFolder ${root} (${this.numSamples} PNG images, ${classes.length} classes)`;
  }

  lossTokens(): number {
    return 1;
  }

  read(indices: readonly number[]): BatchFields {
    const { channels: C, size } = this.shape;
    const [h, w] = size;
    return imageBatch(indices, this.shape, (i, out) => {
      const f = this.files[i];
      let png: PNG;
      try {
        png = PNG.sync.read(readRegularFile(f.path, { maxBytes: 256 << 20 }));
      } catch (e) {
        throw new DataError(`${f.path}: not a readable PNG (${(e as Error).message})`);
      }
      if (png.height !== h || png.width !== w)
        throw new DataError(
          `${f.path}: ${png.width}x${png.height} pixels; the model takes ${w}x${h} (image_size): wsc does not resize`,
        );
      if (C !== 1 && C !== 3) throw new DataError(`${this.section}: ${C} channels; PNG images give 1 or 3`);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 4;
          for (let c = 0; c < C; c++) {
            const v =
              (C === 1 ? (png.data[o] + png.data[o + 1] + png.data[o + 2]) / 3 : png.data[o + c]) / 255;
            const m = C === 1 ? 0.5 : MEAN[c],
              sd = C === 1 ? 0.5 : STD[c];
            out[(c * h + y) * w + x] = (v - m) / sd;
          }
        }
      return f.label;
    });
  }
}
