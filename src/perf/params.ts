// The performance model's parameters. Everything else in perf/ is mechanism: kernel cycles from SIMD
// widths, SRAM ports and fabric links (compiler/kernels.ts), host I/O, the SwarmX tree, the clock. These are
// the few figures the sources do not give. Those marked "calibrated" are fitted once to the published ALCF
// runs in facts/measured-throughput.md by scripts/calibrate-perf.ts (procedure in docs/perf.md); the others
// are chosen and documented, not fitted.

export interface PerfParams {
  /**
   * Calibrated. Fraction of the mechanistic bound (the largest of compute, SRAM and fabric cycles) that the
   * wafer's kernels sustain: instruction issue, task switches, DSD setup and dependency stalls the cycle
   * model does not count. Applies to every kernel in both modes.
   */
  readonly kernelEfficiency: number;
  /**
   * Calibrated. Seconds the wafer spends between two layer kernels in weight streaming: draining the
   * previous layer, synchronising the whole wafer and starting the next layer's kernel with its first
   * weights. Paid per layer per pass per micro-batch. Pipelined mode has no layer switches.
   */
  readonly layerSwitchSeconds: number;
  /**
   * Calibrated. Fraction of each pipelined stage's time spent computing rather than waiting on its
   * neighbours' flow control and handing samples over (one stage's stall stalls its neighbours).
   */
  readonly pipelineStageEfficiency: number;
  /**
   * Chosen, not fitted. Latency of one SwarmX tree level (a node's store-and-forward of the first packet):
   * 10 microseconds, the order of an Ethernet switch hop with a software-visible reduction. Paid at the step
   * boundary, up and down the tree; the tree depth grows with log(N).
   */
  readonly swarmxLevelSeconds: number;
  /**
   * Chosen, not fitted. Element operations per parameter of the optimizer update (Adam: moments, bias
   * correction, division, decay: about 12), for the on-wafer update of pipelined mode.
   */
  readonly optimizerOpsPerParam: number;
  /** Chosen, not fitted. Bytes the input workers send per token (input ids, labels, mask as int32). */
  readonly inputBytesPerToken: number;
}

/** The calibrated parameters. Re-derive with `npx tsx scripts/calibrate-perf.ts`. */
export const CALIBRATED: PerfParams = {
  kernelEfficiency: 0.7798,
  layerSwitchSeconds: 0.002186,
  pipelineStageEfficiency: 0.6834,
  swarmxLevelSeconds: 10e-6,
  optimizerOpsPerParam: 12,
  inputBytesPerToken: 12,
};

/** The parameters calibration fits; the others stay as chosen. */
export const CALIBRATED_KEYS = ["kernelEfficiency", "layerSwitchSeconds", "pipelineStageEfficiency"] as const;
