// An example kernel module for `wsc fabric run examples/fabric/scale-chain.mjs --size 8x3`.
//
// Each row of PEs is a pipeline: the west PE streams a vector of n values east; every other PE multiplies
// each value as it arrives by its own factor (a data task per wavelet) and passes it on; the east PE keeps
// the results. The host checks them against a plain computation.
//
// The module needs no imports: `l` (the layout builder), `rt` (the host runtime) and each task's `ctx` carry
// the whole API. See docs/fabric.md, "Kernel files".

const DATA = [3, 4]; // colors, alternating with the column's parity so no router receives and sends one color
const T_SEND = 30; // a local task ID no data task uses

/** The factor of PE (x, y): a multiple of 1/8, so every product is exact in fp32. */
const factor = (x, y) => 1 + ((x + 3 * y) % 8) / 8;

const program = {
  name: "scale-chain",
  setup(pe, p) {
    const v = pe.f32("v", p.n);
    const out = pe.f32("out", p.n);
    const count = pe.u32("count", 1);
    const V = pe.mem1d(v);
    const sends = DATA.map((c) => pe.fabout(c, 1));
    const sendAll = DATA.map((c) => pe.fabout(c, p.n));
    // Every PE but the west one receives on the color of its west neighbour's parity.
    for (const c of DATA)
      pe.dataTask(c, (ctx, value) => {
        const { x, y, width } = ctx;
        const scaled = value * factor(x, y);
        if (x === width - 1) {
          const k = ctx.u32(count);
          ctx.f32(out)[k[0]++] = scaled;
        } else ctx.fmovs(sends[x % 2], scaled);
      });
    pe.localTask(T_SEND, (ctx) => ctx.fmovs(sendAll[0], V));
    pe.fn("start", (ctx) => {
      if (ctx.x === 0) {
        if (ctx.width === 1) ctx.fmuls(pe.mem1d(out), V, factor(0, ctx.y));
        else ctx.activate(T_SEND);
      }
    });
  },
};

export default {
  name: "scale-chain",
  summary: "each row a pipeline: values stream east, every PE scales them by its factor in a data task",
  params: { n: { default: 32, min: 1, max: 1000, description: "values per row" } },
  peakOp: "mul.fp32",
  layout(l, { width, height }, params) {
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        l.setTileCode(x, y, program, params);
        if (x < width - 1) l.setColorConfig(x, y, DATA[x % 2], { rx: ["RAMP"], tx: ["EAST"] });
        if (x > 0) l.setColorConfig(x, y, DATA[(x - 1) % 2], { rx: ["WEST"], tx: ["RAMP"] });
      }
    l.exportName("v");
    l.exportName("out");
    l.exportName("start");
  },
  run(rt, { width, height }, { n }) {
    const v = new Float32Array(height * n).map((_, i) => (i % 13) - 6);
    rt.memcpyH2D("v", v, 0, 0, 1, height, n);
    rt.launch("start");
    const got = rt.memcpyD2H("out", width - 1, 0, 1, height, n);
    let maxAbsErr = 0;
    for (let y = 0; y < height; y++) {
      // The west PE sends its values as they are (or, alone in its row, scales them itself).
      let f = width === 1 ? factor(0, y) : 1;
      for (let x = 1; x < width; x++) f *= factor(x, y);
      for (let k = 0; k < n; k++)
        maxAbsErr = Math.max(maxAbsErr, Math.abs(got[y * n + k] - Math.fround(v[y * n + k] * f)));
    }
    return {
      ok: maxAbsErr <= 1e-6,
      maxAbsErr,
      tolerance: 1e-6,
      what: `${height} rows of ${n} values scaled along ${width} PEs`,
    };
  },
};
