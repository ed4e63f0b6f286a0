// The host bandwidth test: copy n fp32 values into every PE of the rectangle, have each PE double them
// (so the values really pass through the PEs), copy them back, and check. Reports the modeled host-to-device
// and device-to-host times and rates (HostRuntime.transferCycles: I/O channels on the west edge, the
// system's host I/O, the distance to the farthest PE).
import { defineProgram, mem1d } from "../fabric/index.js";
import { compare, randomF32 } from "./check.js";
import type { KernelDefinition } from "./kernel.js";

const program = defineProgram<{ n: number }>("bandwidth", (pe, p) => {
  const buf = mem1d(pe.f32("buf", p.n));
  pe.fn("touch", (ctx) => ctx.fmuls(buf, buf, 2));
});

export const bandwidthKernel: KernelDefinition = {
  name: "bandwidth",
  summary: "host transfer test: memcpy n values into every PE, double them on the PEs, memcpy them back",
  params: { n: { default: 1024, min: 1, max: 12288, description: "fp32 values per PE" } },
  peakOp: "mul.fp32",
  layout(l, s, q) {
    const p = { n: q.n };
    for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) l.setTileCode(x, y, program, p);
    l.exportName("buf");
    l.exportName("touch");
  },
  run(rt, s, q) {
    const { width: W, height: H } = s;
    const data = randomF32(W * H * q.n, 37 + W + H);
    const h2d = rt.memcpyH2D("buf", data, 0, 0, W, H, q.n);
    rt.launch("touch");
    const before = rt.hostCycles;
    const got = rt.memcpyD2H("buf", 0, 0, W, H, q.n);
    const d2h = rt.hostCycles - before;
    const want = data.map((v) => 2 * v);
    const bytes = W * H * q.n * 4;
    const clock = rt.wafer.clockHz;
    return compare(got, want, 0, `${W * H * q.n} values in, doubled on the PEs, and out again`, {
      bytes,
      h2dCycles: h2d,
      d2hCycles: d2h,
      h2dBytesPerSec: bytes / (h2d / clock),
      d2hBytesPerSec: bytes / (d2h / clock),
    });
  },
};
