// The shipped real image set for ViT: the UCI "Optical Recognition of Handwritten Digits" test set (1,797
// 8x8 images of digits, pixel counts 0..16; E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), as scikit-learn
// ships it (sklearn/datasets/data/digits.csv.gz: 64 pixels and the digit per line), written as torchvision's
// ImageFolder of PNG files (grey, the counts scaled to 0..255): datasets/uci-digits/png/{train,val}/DIGIT/*.png,
// every fifth image held out for evaluation.
//
//   npx tsx scripts/make-digits-images.ts /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PNG } from "pngjs";

const src = process.argv[2];
if (!src) throw new Error("give the path of scikit-learn's digits.csv.gz");
const out = "datasets/uci-digits/png";
const rows = gunzipSync(readFileSync(src)).toString("utf8").trim().split("\n");
const counts = { train: 0, val: 0 };
rows.forEach((line, i) => {
  const v = line.split(",").map(Number);
  const digit = v[64];
  const png = new PNG({ width: 8, height: 8, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.from(v.slice(0, 64).map((x) => Math.round((x * 255) / 16)));
  png.data = Buffer.alloc(8 * 8 * 4);
  for (let p = 0; p < 64; p++) png.data.set([grey[p], grey[p], grey[p], 255], p * 4);
  const split = i % 5 === 4 ? "val" : "train";
  const dir = join(out, split, String(digit));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${String(i).padStart(4, "0")}.png`), PNG.sync.write(png, { colorType: 0 }));
  counts[split]++;
});
console.log(`wrote ${counts.train} training and ${counts.val} evaluation images under ${out}`);
