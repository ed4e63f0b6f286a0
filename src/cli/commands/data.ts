// `wsc data prepare` (text files -> Model Zoo GPT HDF5) and `wsc data info` (what a dataset folder holds).
import type { Command } from "commander";
import {
  DataError,
  GptHdf5Source,
  hdf5Ready,
  h5FilesIn,
  DEFAULT_VOCAB,
  ESM_VOCAB,
  EsmAlphabet,
  WordPiece,
  prepareBertCsv,
  prepareMlmCsv,
  prepareNerCsv,
  prepareText,
  readDataParams,
  readGptHdf5,
  tokenizer,
} from "../../data/index.js";
import { int } from "../../util/units.js";
import { intOption, pathOption, probabilityOption } from "../options.js";

export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description("prepare and inspect training data (Model Zoo GPT HDF5 and BERT CSV formats)");
  data
    .command("prepare")
    .description(
      "tokenize text files into a Model Zoo GPT HDF5 dataset (a folder of *.h5 and data_params.json) or a " +
        "BERT CSV folder (*.csv and meta.dat)",
    )
    .requiredOption("-i, --input <files...>", "text files; each is one document")
    .requiredOption("-o, --output <dir>", "folder to write", pathOption("folder to write"))
    .option(
      "-t, --tokenizer <name>",
      "gpt2 (GPT-2 BPE, 50257 tokens), byte (260 tokens, with BERT's specials), wordpiece (BERT's, for " +
        "--format bert_csv) or esm2 (ESM-2's 33 residue tokens, for --format mlm_csv)",
      "gpt2",
    )
    .option(
      "--format <name>",
      "gpt_hdf5 (Model Zoo's GPT HDF5), bert_csv (Model Zoo's BERT CSV, for BertCSVDynamicMaskDataProcessor), " +
        "mlm_csv (statically masked MLM CSV of protein FASTA, for BertCSVDataProcessor; --tokenizer esm2) or " +
        "ner_csv (BIO-tagged text as write_csv_ner.py writes it, for BertTokenClassifierDataProcessor)",
      "gpt_hdf5",
    )
    .option(
      "--max_predictions_per_seq <n>",
      "masked positions per sample at most (mlm_csv)",
      intOption(1, 1_000_000),
      20,
    )
    .option("--masked_lm_prob <p>", "fraction of residues masked (mlm_csv)", probabilityOption, 0.15)
    .option(
      "--vocab_file <file>",
      "WordPiece vocabulary (bert_csv; default BERT-Base uncased) or ESM alphabet (mlm_csv; default ESM-2's)",
      pathOption("vocabulary file"),
    )
    .option("--seed <n>", "seed of the sentence-pair draws (bert_csv)", intOption(0, 2 ** 31 - 1), 1)
    .option("--max_sequence_length <n>", "tokens per sample", intOption(2, 1_000_000), 2048)
    .option(
      "--samples_per_file <n>",
      "samples per .h5 file (rows per .csv file)",
      intOption(1, 100_000_000),
      2048,
    )
    .action(
      async (o: {
        input: string[];
        output: string;
        tokenizer: string;
        format: string;
        vocab_file?: string;
        seed: number;
        max_sequence_length: number;
        samples_per_file: number;
        max_predictions_per_seq: number;
        masked_lm_prob: number;
      }) => {
        if (!["gpt_hdf5", "bert_csv", "mlm_csv", "ner_csv"].includes(o.format))
          throw new DataError(`--format ${o.format}: use gpt_hdf5, bert_csv, mlm_csv or ner_csv`);
        if (o.format === "ner_csv") {
          if (o.tokenizer !== "wordpiece")
            throw new DataError(
              `--format ner_csv with --tokenizer ${o.tokenizer}: Model Zoo's NER CSV holds WordPiece tokens; ` +
                "give --tokenizer wordpiece",
            );
          const r = prepareNerCsv({
            inputs: o.input,
            outDir: o.output,
            vocab: WordPiece.fromFile(o.vocab_file ?? DEFAULT_VOCAB),
            seqLen: o.max_sequence_length,
            rowsPerFile: o.samples_per_file,
          });
          process.stdout.write(
            `${int(r.sentences)} sentences (${int(r.tokens)} WordPiece tokens with [CLS] and [SEP]) in ` +
              `${r.files.length} CSV file(s), meta.dat and label2id.json under ${o.output}\n`,
          );
          return;
        }
        if ((o.format === "mlm_csv") !== (o.tokenizer === "esm2"))
          throw new DataError(
            `--format ${o.format} with --tokenizer ${o.tokenizer}: the statically masked MLM CSV is written from ` +
              "protein FASTA with ESM-2's alphabet; give --format mlm_csv --tokenizer esm2 together",
          );
        if (o.format === "mlm_csv") {
          const r = prepareMlmCsv({
            inputs: o.input,
            outDir: o.output,
            alphabet: EsmAlphabet.fromFile(o.vocab_file ?? ESM_VOCAB),
            seqLen: o.max_sequence_length,
            maxPredictions: o.max_predictions_per_seq,
            maskedLmProb: o.masked_lm_prob,
            seed: o.seed,
            rowsPerFile: o.samples_per_file,
          });
          process.stdout.write(
            `${int(r.sequences)} sequences -> ${int(r.windows)} windows of at most ${o.max_sequence_length} tokens ` +
              `(${int(r.masked)} masked positions) in ${r.files.length} CSV file(s) and meta.dat under ${o.output}\n`,
          );
          return;
        }
        if ((o.format === "bert_csv") !== (o.tokenizer === "wordpiece"))
          throw new DataError(
            `--format ${o.format} with --tokenizer ${o.tokenizer}: Model Zoo's BERT CSV holds WordPiece tokens; ` +
              "give --format bert_csv --tokenizer wordpiece together",
          );
        if (o.format === "bert_csv") {
          const r = prepareBertCsv({
            inputs: o.input,
            outDir: o.output,
            vocab: WordPiece.fromFile(o.vocab_file ?? DEFAULT_VOCAB),
            seqLen: o.max_sequence_length,
            seed: o.seed,
            rowsPerFile: o.samples_per_file,
          });
          process.stdout.write(
            `${int(r.examples)} sentence pairs of at most ${o.max_sequence_length} WordPiece tokens ` +
              `(${int(r.randomNext)} with a random next sentence) in ${r.files.length} CSV file(s) and meta.dat ` +
              `under ${o.output}\n`,
          );
          return;
        }
        tokenizer(o.tokenizer);
        const r = await prepareText({
          inputs: o.input,
          outDir: o.output,
          tokenizer: o.tokenizer,
          seqLen: o.max_sequence_length,
          samplesPerFile: o.samples_per_file,
        });
        process.stdout.write(
          `${int(r.tokens)} tokens (${o.tokenizer}) -> ${int(r.samples)} samples of ${o.max_sequence_length} in ` +
            `${r.files.length} file(s) under ${o.output}\n`,
        );
      },
    );
  data
    .command("info")
    .description("describe a GPT HDF5 dataset folder")
    .argument("<dir>", "dataset folder")
    .option("--json", "print JSON")
    .action(async (dir: string, o: { json?: boolean }) => {
      await hdf5Ready();
      const params = readDataParams(dir);
      const files = h5FilesIn(dir);
      const vocab = params?.["post-process"].vocab_size ?? 2 ** 31 - 1;
      if (files.length === 0) throw new DataError(`${dir}: no *.h5 files`);
      const seq = params?.["post-process"].max_seq_length ?? readGptHdf5(files[0]).seqLen;
      const src = new GptHdf5Source([dir], seq, vocab, dir);
      let tokens = 0;
      for (let i = 0; i < src.numSamples; i++) tokens += src.lossTokens(i);
      const info = {
        dir,
        files: files.length,
        samples: src.numSamples,
        seqLen: src.seqLen,
        lossTokens: tokens,
        params,
      };
      process.stdout.write(
        o.json
          ? `${JSON.stringify(info, null, 2)}\n`
          : `${dir}: ${files.length} file(s), ${int(src.numSamples)} samples of ${src.seqLen} tokens, ` +
              `${int(tokens)} tokens with a label; tokenizer ${params?.wsc?.tokenizer ?? "unknown"}, vocabulary ${params?.["post-process"].vocab_size ?? "unknown"}\n`,
      );
    });
}
