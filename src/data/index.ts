// data: datasets and input pipelines. Model Zoo's GPT HDF5 format (read and written with h5wasm), text
// preparation with the GPT-2 BPE or a byte-level tokenizer, BERT MLM/NSP samples with dynamic masking,
// synthetic sources, MNIST; a seeded, resumable batch stream whose batches any worker can read by row range.
export { DataError } from "./errors.js";
export { BatchStream, shardRows } from "./source.js";
export type { BatchFields, DataPosition, GlobalBatch, SampleSource, StreamOptions } from "./source.js";
export { openSource, resolveDataDir } from "./open.js";
export type { OpenOptions } from "./open.js";
export { prepareText, samplesFromStream } from "./prepare.js";
export type { PrepareOptions, PrepareResult } from "./prepare.js";
export { prepareBertCsv, pythonRepr } from "./prepare-bert.js";
export type { PrepareBertOptions, PrepareBertResult } from "./prepare-bert.js";
export { DEFAULT_VOCAB, WordPiece, basicTokens } from "./wordpiece.js";
export { ESM_VOCAB, EsmAlphabet, readFasta } from "./esm.js";
export { prepareMlmCsv } from "./prepare-mlm.js";
export { NER_LABELS, prepareNerCsv, readBio } from "./prepare-ner.js";
export type { PrepareMlmOptions, PrepareMlmResult } from "./prepare-mlm.js";
export { BertCsvSource, BertCsvStaticSource, parsePythonList } from "./sources/bert-csv.js";
export { hdf5Ready, h5FilesIn, readDataParams, readGptHdf5, writeDataParams, writeGptHdf5 } from "./hdf5.js";
export type { DataParams, GptHdf5File } from "./hdf5.js";
export { TOKENIZERS, tokenizer } from "./tokenizers.js";
export type { BertSpecials, Tokenizer } from "./tokenizers.js";
export { GptHdf5Source } from "./sources/gpt-hdf5.js";
export { BertMlmSource } from "./sources/bert-mlm.js";
export { SyntheticClusters, SyntheticTokens } from "./sources/synthetic.js";
export { MnistSource } from "./sources/mnist.js";
export { Stream, key, permutation } from "./random.js";
