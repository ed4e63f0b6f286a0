// wsc_blas: single-precision GEMM for the host numerics (src/numerics/gemm.ts), over the system's OpenBLAS.
//
// Row-major throughout, as the TypeScript side stores tensors. Every call checks that the matrices it will
// touch lie inside the Float32Arrays it was given, so a wrong shape from JavaScript is a RangeError, never a
// write outside a buffer. Offsets are in elements, relative to the typed array's own start.
//
//   sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)
//     C[M,N] = alpha * op(A) op(B) + beta * C, op(A) [M,K], op(B) [K,N]
//   sgemmBatched(transA, transB, M, N, K, alpha, A, aOff, lda, strideA, B, bOff, ldb, strideB,
//                beta, C, cOff, ldc, strideC, batch)
//     the same for `batch` matrices spaced by the strides (elements)
//   setNumThreads(n), getNumThreads() (the tile pool's threads; OpenBLAS itself runs single-threaded), config()
// and the element-wise kernels of kernels.h (activations, norms, attention softmax, Adam, the fused vocabulary
// loss of vocab_loss.cc), each checking that its arrays hold the elements it will touch.

#include <napi.h>
#include <cblas.h>

#include "kernels.h"
#include "pool.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Mat {
  float* data;
  size_t length;
};

bool ReadMat(const Napi::Env& env, const Napi::Value& v, const char* name, Mat* out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(env, std::string(name) + " must be a Float32Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  out->data = a.Data();
  out->length = a.ElementLength();
  return true;
}

bool ReadInt(const Napi::Env& env, const Napi::Value& v, const char* name, int64_t* out) {
  if (!v.IsNumber()) {
    Napi::TypeError::New(env, std::string(name) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  *out = v.As<Napi::Number>().Int64Value();
  if (*out < 0) {
    Napi::RangeError::New(env, std::string(name) + " must be >= 0").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// Checks that a rows x cols row-major matrix with leading dimension ld, starting at off, and `batch` copies
// spaced by stride, lie inside a buffer of `length` elements.
bool CheckExtent(const Napi::Env& env, const char* name, int64_t rows, int64_t cols, int64_t ld, int64_t off,
                 int64_t stride, int64_t batch, size_t length) {
  if (rows == 0 || cols == 0 || batch == 0) return true;
  if (ld < cols) {
    Napi::RangeError::New(env, std::string(name) + ": leading dimension " + std::to_string(ld) +
                                   " is smaller than its row length " + std::to_string(cols))
        .ThrowAsJavaScriptException();
    return false;
  }
  const int64_t last = off + (batch - 1) * stride + (rows - 1) * ld + cols;
  if (last > static_cast<int64_t>(length)) {
    Napi::RangeError::New(env, std::string(name) + ": matrix reaches element " + std::to_string(last) +
                                   " but the buffer holds " + std::to_string(length))
        .ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

struct GemmArgs {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
  Mat a, b, c;
  int64_t aOff, lda, sa, bOff, ldb, sb, cOff, ldc, sc, batch;
};

bool ParseGemm(const Napi::CallbackInfo& info, bool batched, GemmArgs* g) {
  Napi::Env env = info.Env();
  const size_t want = batched ? 20 : 16;
  if (info.Length() != want) {
    Napi::TypeError::New(env, "expected " + std::to_string(want) + " arguments").ThrowAsJavaScriptException();
    return false;
  }
  size_t i = 0;
  g->ta = info[i++].ToBoolean().Value();
  g->tb = info[i++].ToBoolean().Value();
  if (!ReadInt(env, info[i++], "M", &g->m) || !ReadInt(env, info[i++], "N", &g->n) ||
      !ReadInt(env, info[i++], "K", &g->k))
    return false;
  g->alpha = info[i++].ToNumber().FloatValue();
  if (!ReadMat(env, info[i++], "A", &g->a) || !ReadInt(env, info[i++], "aOff", &g->aOff) ||
      !ReadInt(env, info[i++], "lda", &g->lda))
    return false;
  g->sa = 0;
  if (batched && !ReadInt(env, info[i++], "strideA", &g->sa)) return false;
  if (!ReadMat(env, info[i++], "B", &g->b) || !ReadInt(env, info[i++], "bOff", &g->bOff) ||
      !ReadInt(env, info[i++], "ldb", &g->ldb))
    return false;
  g->sb = 0;
  if (batched && !ReadInt(env, info[i++], "strideB", &g->sb)) return false;
  g->beta = info[i++].ToNumber().FloatValue();
  if (!ReadMat(env, info[i++], "C", &g->c) || !ReadInt(env, info[i++], "cOff", &g->cOff) ||
      !ReadInt(env, info[i++], "ldc", &g->ldc))
    return false;
  g->sc = 0;
  g->batch = 1;
  if (batched && (!ReadInt(env, info[i++], "strideC", &g->sc) || !ReadInt(env, info[i++], "batch", &g->batch)))
    return false;
  // Stored shapes: A is [M,K] or [K,M] when transposed, B is [K,N] or [N,K], C is [M,N].
  const int64_t aRows = g->ta ? g->k : g->m, aCols = g->ta ? g->m : g->k;
  const int64_t bRows = g->tb ? g->n : g->k, bCols = g->tb ? g->k : g->n;
  if (g->k > 0 && !CheckExtent(env, "A", aRows, aCols, g->lda, g->aOff, g->sa, g->batch, g->a.length))
    return false;
  if (g->k > 0 && !CheckExtent(env, "B", bRows, bCols, g->ldb, g->bOff, g->sb, g->batch, g->b.length))
    return false;
  if (!CheckExtent(env, "C", g->m, g->n, g->ldc, g->cOff, g->sc, g->batch, g->c.length)) return false;
  return true;
}

// Tile sizes of C. Every GEMM is cut into these fixed tiles, each computed by one single-threaded OpenBLAS
// call, and the tiles are spread over the worker threads. OpenBLAS's own threading (and even calling it on a
// different split of the rows) changes the rounding of some elements, so the split is fixed by the problem,
// never by the thread count: any number of threads gives bit-identical results.
constexpr int64_t kTileM = 256;
constexpr int64_t kTileN = 256;
// Below this many multiply-adds the tiles run on the calling thread (the result is the same either way).
constexpr int64_t kParallelMinMacs = 1 << 20;

void RunGemm(const GemmArgs& g) {
  if (g.m == 0 || g.n == 0) return;
  const CBLAS_TRANSPOSE ta = g.ta ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = g.tb ? CblasTrans : CblasNoTrans;
  const int64_t mt = (g.m + kTileM - 1) / kTileM, nt = (g.n + kTileN - 1) / kTileN;
  auto tile = [&](int64_t i) {
    const int64_t b = i / (mt * nt), r = (i / nt) % mt, c = i % nt;
    const int64_t r0 = r * kTileM, c0 = c * kTileN;
    const int64_t mm = std::min(kTileM, g.m - r0), nn = std::min(kTileN, g.n - c0);
    float* cp = g.c.data + g.cOff + b * g.sc + r0 * g.ldc + c0;
    if (g.k == 0) {
      // BLAS leaves C untouched when K = 0 only for beta = 1; scale explicitly for the general case.
      for (int64_t y = 0; y < mm; ++y)
        for (int64_t x = 0; x < nn; ++x) cp[y * g.ldc + x] = g.beta == 0.0f ? 0.0f : g.beta * cp[y * g.ldc + x];
      return;
    }
    const float* ap = g.a.data + g.aOff + b * g.sa + (g.ta ? r0 : r0 * g.lda);
    const float* bp = g.b.data + g.bOff + b * g.sb + (g.tb ? c0 * g.ldb : c0);
    cblas_sgemm(CblasRowMajor, ta, tb, static_cast<blasint>(mm), static_cast<blasint>(nn), static_cast<blasint>(g.k),
                g.alpha, ap, static_cast<blasint>(g.lda), bp, static_cast<blasint>(g.ldb), g.beta, cp,
                static_cast<blasint>(g.ldc));
  };
  const int64_t tiles = g.batch * mt * nt;
  if (g.batch * g.m * g.n * g.k < kParallelMinMacs) {
    for (int64_t i = 0; i < tiles; ++i) tile(i);
  } else {
    wsc::ParallelFor(tiles, tile);
  }
}

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  GemmArgs g;
  if (ParseGemm(info, false, &g)) RunGemm(g);
  return info.Env().Undefined();
}

Napi::Value SgemmBatched(const Napi::CallbackInfo& info) {
  GemmArgs g;
  if (ParseGemm(info, true, &g)) RunGemm(g);
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = 0;
  if (info.Length() != 1 || !ReadInt(info.Env(), info[0], "threads", &n)) return info.Env().Undefined();
  if (n < 1) n = 1;
  wsc::SetPoolThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), wsc::PoolThreads());
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  std::string s = std::string(openblas_get_config()) + " core=" + openblas_get_corename();
  return Napi::String::New(info.Env(), s);
}

// Element-wise and row-wise kernels run over fixed chunks in parallel. Elements (and rows) are independent,
// so the result does not depend on the chunking or the thread count.
constexpr int64_t kElemChunk = 1 << 16;
constexpr int64_t kRowChunk = 64;

template <typename F>
void Chunked(int64_t n, F&& body, int64_t chunk = kElemChunk) {
  if (n <= 0) return;
  const int64_t tasks = (n + chunk - 1) / chunk;
  if (tasks == 1) {
    body(0, n);
    return;
  }
  wsc::ParallelFor(tasks, [&](int64_t i) { body(i * chunk, std::min(chunk, n - i * chunk)); });
}

// Reads the arguments of an element-wise kernel in order; the first failure throws and sets ok = false.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info), env_(info.Env()) {}
  bool ok = true;

  float* F32(const char* name, int64_t need, bool nullable = false) {
    if (!ok) return nullptr;
    const Napi::Value v = info_[i_++];
    if (nullable && (v.IsNull() || v.IsUndefined())) return nullptr;
    Mat m;
    if (!ReadMat(env_, v, name, &m)) return Fail();
    if (static_cast<int64_t>(m.length) < need) {
      Napi::RangeError::New(env_, std::string(name) + ": " + std::to_string(m.length) + " elements, the kernel needs " +
                                      std::to_string(need))
          .ThrowAsJavaScriptException();
      return Fail();
    }
    return m.data;
  }
  int64_t Int(const char* name) {
    int64_t v = 0;
    if (ok && !ReadInt(env_, info_[i_++], name, &v)) ok = false;
    return v;
  }
  double Num() { return ok ? info_[i_++].ToNumber().DoubleValue() : 0.0; }
  void Skip() { ++i_; }
  bool Bool() { return ok ? info_[i_++].ToBoolean().Value() : false; }
  // Peeks the integer at position k without consuming (for sizes that come after arrays).
  int64_t PeekInt(size_t k) { return info_[k].IsNumber() ? info_[k].As<Napi::Number>().Int64Value() : -1; }

 private:
  float* Fail() {
    ok = false;
    return nullptr;
  }
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  size_t i_ = 0;
};

Napi::Value ActForwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t op = a.Int("op"), n = a.PeekInt(3);
  const float* x = a.F32("x", n);
  float* y = a.F32("y", n);
  a.Int("n");
  if (a.ok) Chunked(n, [&](int64_t i0, int64_t m) { wsc::ActForward(static_cast<int>(op), x + i0, y + i0, m); });
  return info.Env().Undefined();
}

Napi::Value ActBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t op = a.Int("op"), n = a.PeekInt(5);
  const float* x = a.F32("x", n);
  const float* y = a.F32("y", n);
  const float* dy = a.F32("dy", n);
  float* dx = a.F32("dx", n);
  a.Int("n");
  if (a.ok)
    Chunked(n, [&](int64_t i0, int64_t m) { wsc::ActBackward(static_cast<int>(op), x + i0, y + i0, dy + i0, dx + i0, m); });
  return info.Env().Undefined();
}

Napi::Value SwigluForwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t n = a.PeekInt(3);
  const float* g = a.F32("g", n);
  const float* u = a.F32("u", n);
  float* y = a.F32("y", n);
  a.Int("n");
  if (a.ok) Chunked(n, [&](int64_t i0, int64_t m) { wsc::SwigluForward(g + i0, u + i0, y + i0, m); });
  return info.Env().Undefined();
}

Napi::Value SwigluBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t n = a.PeekInt(5);
  const float* g = a.F32("g", n);
  const float* u = a.F32("u", n);
  const float* dy = a.F32("dy", n);
  float* dg = a.F32("dg", n);
  float* du = a.F32("du", n);
  a.Int("n");
  if (a.ok)
    Chunked(n, [&](int64_t i0, int64_t m) { wsc::SwigluBackward(g + i0, u + i0, dy + i0, dg + i0, du + i0, m); });
  return info.Env().Undefined();
}

// layerNormForward(x, rows, c, g, b, eps, y, mean, rstd)
Napi::Value LayerNormForwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(1), c = a.PeekInt(2);
  const float* x = a.F32("x", rows * c);
  a.Int("rows");
  a.Int("c");
  const float* g = a.F32("g", c);
  const float* b = a.F32("b", c);
  const double eps = a.Num();
  float* y = a.F32("y", rows * c);
  float* mean = a.F32("mean", rows);
  float* rstd = a.F32("rstd", rows);
  if (a.ok)
    Chunked(rows, [&](int64_t r0, int64_t m) {
      wsc::LayerNormForward(x + r0 * c, m, c, g, b, eps, y + r0 * c, mean + r0, rstd + r0);
    }, kRowChunk);
  return info.Env().Undefined();
}

// layerNormBackward(dy, x, rows, c, g, mean, rstd, dx, dg, db, accumulate)
Napi::Value LayerNormBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(2), c = a.PeekInt(3);
  const float* dy = a.F32("dy", rows * c);
  const float* x = a.F32("x", rows * c);
  a.Int("rows");
  a.Int("c");
  const float* g = a.F32("g", c);
  const float* mean = a.F32("mean", rows);
  const float* rstd = a.F32("rstd", rows);
  float* dx = a.F32("dx", rows * c);
  float* dg = a.F32("dg", c);
  float* db = a.F32("db", c);
  const bool acc = a.Bool();
  if (a.ok) wsc::LayerNormBackward(dy, x, rows, c, g, mean, rstd, dx, dg, db, acc);
  return info.Env().Undefined();
}

// rmsNormForward(x, rows, c, g, eps, y, rstd)
Napi::Value RmsNormForwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(1), c = a.PeekInt(2);
  const float* x = a.F32("x", rows * c);
  a.Int("rows");
  a.Int("c");
  const float* g = a.F32("g", c);
  const double eps = a.Num();
  float* y = a.F32("y", rows * c);
  float* rstd = a.F32("rstd", rows);
  if (a.ok)
    Chunked(rows, [&](int64_t r0, int64_t m) { wsc::RmsNormForward(x + r0 * c, m, c, g, eps, y + r0 * c, rstd + r0); },
            kRowChunk);
  return info.Env().Undefined();
}

// rmsNormBackward(dy, x, rows, c, g, rstd, dx, dg, accumulate)
Napi::Value RmsNormBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(2), c = a.PeekInt(3);
  const float* dy = a.F32("dy", rows * c);
  const float* x = a.F32("x", rows * c);
  a.Int("rows");
  a.Int("c");
  const float* g = a.F32("g", c);
  const float* rstd = a.F32("rstd", rows);
  float* dx = a.F32("dx", rows * c);
  float* dg = a.F32("dg", c);
  const bool acc = a.Bool();
  if (a.ok) wsc::RmsNormBackward(dy, x, rows, c, g, rstd, dx, dg, acc);
  return info.Env().Undefined();
}

// attnSoftmax(s, batch, heads, t, causal, keyMask | null)
Napi::Value AttnSoftmaxJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t b = a.PeekInt(1), h = a.PeekInt(2), t = a.PeekInt(3);
  float* s = a.F32("scores", b * h * t * t);
  a.Int("batch");
  a.Int("heads");
  a.Int("t");
  const bool causal = a.Bool();
  const float* km = a.F32("keyMask", b * t, true);
  // one task per (batch row, head): rows are independent
  if (a.ok)
    Chunked(b * h, [&](int64_t i0, int64_t m) {
      for (int64_t i = i0; i < i0 + m; ++i) wsc::AttnSoftmax(s + i * t * t, 1, 1, t, causal, km ? km + (i / h) * t : nullptr);
    }, 1);
  return info.Env().Undefined();
}

// attnSoftmaxBackward(p, dp, rows, t, causal, scale)
Napi::Value AttnSoftmaxBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(2), t = a.PeekInt(3);
  const float* p = a.F32("p", rows * t);
  float* dp = a.F32("dp", rows * t);
  a.Int("rows");
  a.Int("t");
  const bool causal = a.Bool();
  const float scale = static_cast<float>(a.Num());
  // chunks of whole T x T matrices, so that the causal row index (row % t) stays right
  if (a.ok)
    Chunked(rows / (t > 0 ? t : 1), [&](int64_t i0, int64_t m) {
      wsc::AttnSoftmaxBackward(p + i0 * t * t, dp + i0 * t * t, m * t, t, causal, scale);
    }, 1);
  return info.Env().Undefined();
}

// adamStep(w, g, m, v, gradScale, l2, shrink, beta1, beta2, eps, stepSize, sqrtBc2)
Napi::Value AdamStepJs(const Napi::CallbackInfo& info) {
  Args a(info);
  if (!info[0].IsTypedArray()) {
    Napi::TypeError::New(info.Env(), "w must be a Float32Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int64_t n = static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength());
  float* w = a.F32("w", n);
  const float* g = a.F32("g", n);
  float* m = a.F32("m", n);
  float* v = a.F32("v", n);
  wsc::AdamArgs args;
  args.gradScale = static_cast<float>(a.Num());
  args.l2 = static_cast<float>(a.Num());
  args.shrink = static_cast<float>(a.Num());
  args.beta1 = static_cast<float>(a.Num());
  args.beta2 = static_cast<float>(a.Num());
  args.eps = static_cast<float>(a.Num());
  args.stepSize = static_cast<float>(a.Num());
  args.sqrtBc2 = static_cast<float>(a.Num());
  if (a.ok) Chunked(n, [&](int64_t i0, int64_t k) { wsc::AdamStep(w + i0, g + i0, m + i0, v + i0, k, args); });
  return info.Env().Undefined();
}

// fillRows(y, rows, cols, b): every row of y [rows, cols] set to b [cols] (the bias before a GEMM adds onto it)
Napi::Value FillRowsJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t rows = a.PeekInt(1), cols = a.PeekInt(2);
  float* y = a.F32("y", rows * cols);
  a.Int("rows");
  a.Int("cols");
  const float* b = a.F32("b", cols);
  if (a.ok)
    Chunked(rows, [&](int64_t r0, int64_t m) {
      for (int64_t r = r0; r < r0 + m; ++r) std::memcpy(y + r * cols, b, sizeof(float) * cols);
    }, kRowChunk);
  return info.Env().Undefined();
}

// crossEntropy(logits, rows, v, labels: Int32Array, mask | null, gradScale, dlogits | null, rowLoss: Float64Array)
Napi::Value CrossEntropyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  const int64_t rows = a.PeekInt(1), v = a.PeekInt(2);
  const float* logits = a.F32("logits", rows * v);
  a.Int("rows");
  a.Int("v");
  if (!a.ok) return env.Undefined();
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength()) < rows) {
    Napi::TypeError::New(env, "labels must be an Int32Array of at least rows elements").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int32_t* labels = info[3].As<Napi::Int32Array>().Data();
  Args b(info);  // second reader for the arguments after labels
  for (int i = 0; i < 4; ++i) b.Skip();
  const float* mask = b.F32("mask", rows, true);
  const float gs = static_cast<float>(b.Num());
  float* d = b.F32("dlogits", rows * v, true);
  if (!b.ok) return env.Undefined();
  if (!info[7].IsTypedArray() || info[7].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      static_cast<int64_t>(info[7].As<Napi::TypedArray>().ElementLength()) < rows) {
    Napi::TypeError::New(env, "rowLoss must be a Float64Array of at least rows elements").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double* rowLoss = info[7].As<Napi::Float64Array>().Data();
  for (int64_t r = 0; r < rows; ++r) {
    if ((!mask || mask[r] != 0.0f) && (labels[r] < 0 || labels[r] >= v)) {
      Napi::RangeError::New(env, "label " + std::to_string(labels[r]) + " at position " + std::to_string(r) +
                                     " is outside the " + std::to_string(v) + " classes")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  Chunked(rows, [&](int64_t r0, int64_t m) {
    wsc::CrossEntropyRows(logits + r0 * v, m, v, labels + r0, mask ? mask + r0 : nullptr, gs, d ? d + r0 * v : nullptr,
                          rowLoss + r0);
  }, kRowChunk);
  return env.Undefined();
}

// Reads the arguments the fused vocabulary loss shares: (x, rows, h, w, b | null, v, labels, mask | null),
// checking every extent and the labels of the rows that count.
bool ReadVocabLoss(const Napi::CallbackInfo& info, Args& a, wsc::VocabLossArgs* out) {
  Napi::Env env = info.Env();
  const int64_t rows = a.PeekInt(1), h = a.PeekInt(2), v = a.PeekInt(5);
  out->x = a.F32("x", rows * h);
  out->rows = a.Int("rows");
  out->h = a.Int("h");
  out->w = a.F32("w", v * h);
  out->b = a.F32("b", v, true);
  out->v = a.Int("v");
  if (!a.ok) return false;
  if (!info[6].IsTypedArray() || info[6].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      static_cast<int64_t>(info[6].As<Napi::TypedArray>().ElementLength()) < rows) {
    Napi::TypeError::New(env, "labels must be an Int32Array of at least rows elements").ThrowAsJavaScriptException();
    return false;
  }
  out->labels = info[6].As<Napi::Int32Array>().Data();
  a.Skip();
  out->mask = a.F32("mask", rows, true);
  if (!a.ok) return false;
  for (int64_t r = 0; r < rows; ++r) {
    if ((!out->mask || out->mask[r] != 0.0f) && (out->labels[r] < 0 || out->labels[r] >= v)) {
      Napi::RangeError::New(env, "label " + std::to_string(out->labels[r]) + " at position " + std::to_string(r) +
                                     " is outside the " + std::to_string(v) + " classes")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

double* F64At(const Napi::CallbackInfo& info, size_t k, const char* name, int64_t need) {
  if (!info[k].IsTypedArray() || info[k].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      static_cast<int64_t>(info[k].As<Napi::TypedArray>().ElementLength()) < need) {
    Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float64Array of at least " +
                                         std::to_string(need) + " elements")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[k].As<Napi::Float64Array>().Data();
}

// vocabLossForward(x, rows, h, w, b | null, v, labels, mask | null, lse: Float64Array, rowLoss: Float64Array)
Napi::Value VocabLossForwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  wsc::VocabLossArgs va;
  if (info.Length() != 10 || !ReadVocabLoss(info, a, &va)) return info.Env().Undefined();
  double* lse = F64At(info, 8, "lse", va.rows);
  double* rowLoss = lse ? F64At(info, 9, "rowLoss", va.rows) : nullptr;
  if (rowLoss) wsc::VocabLossForward(va, lse, rowLoss);
  return info.Env().Undefined();
}

// vocabLossBackward(x, rows, h, w, b | null, v, labels, mask | null, lse: Float64Array, scale, dx, dw, db | null)
Napi::Value VocabLossBackwardJs(const Napi::CallbackInfo& info) {
  Args a(info);
  wsc::VocabLossArgs va;
  if (info.Length() != 13 || !ReadVocabLoss(info, a, &va)) return info.Env().Undefined();
  const double* lse = F64At(info, 8, "lse", va.rows);
  if (!lse) return info.Env().Undefined();
  a.Skip();
  const float scale = static_cast<float>(a.Num());
  float* dx = a.F32("dx", va.rows * va.h);
  float* dw = a.F32("dw", va.v * va.h);
  float* db = a.F32("db", va.v, true);
  if (a.ok) wsc::VocabLossBackward(va, lse, scale, dx, dw, db);
  return info.Env().Undefined();
}

// addInto(out, a): out += a over out's length (a at least as long)
Napi::Value AddIntoJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t n = info[0].IsTypedArray() ? static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength()) : 0;
  float* out = a.F32("out", n);
  const float* x = a.F32("a", n);
  if (a.ok) Chunked(n, [&](int64_t i0, int64_t m) { wsc::AddInto(out + i0, x + i0, m); });
  return info.Env().Undefined();
}

// scaleInPlace(x, k): x *= k
Napi::Value ScaleInPlaceJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t n = info[0].IsTypedArray() ? static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength()) : 0;
  float* x = a.F32("x", n);
  const float k = static_cast<float>(a.Num());
  if (a.ok) Chunked(n, [&](int64_t i0, int64_t m) { wsc::ScaleInPlace(x + i0, m, k); });
  return info.Env().Undefined();
}

// sumSquares(x): sum of x^2 in float64, summed per fixed chunk of elements, then over the chunks in order
Napi::Value SumSquaresJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t n = info[0].IsTypedArray() ? static_cast<int64_t>(info[0].As<Napi::TypedArray>().ElementLength()) : 0;
  const float* x = a.F32("x", n);
  if (!a.ok) return info.Env().Undefined();
  std::vector<double> part((n + kElemChunk - 1) / kElemChunk, 0.0);
  Chunked(n, [&](int64_t i0, int64_t m) { part[i0 / kElemChunk] = wsc::SumSquares(x + i0, m); });
  double s = 0;
  for (double p : part) s += p;
  return Napi::Number::New(info.Env(), s);
}

// heads(qkv, b, t, h, n, q, k, v, cos | null, sin | null, rot, interleaved, split): split = true copies qkv
// into head-major q, k, v (rotating q and k); split = false merges q, k, v (rotating q and k back in place)
// into qkv.
Napi::Value HeadsJs(const Napi::CallbackInfo& info) {
  Args a(info);
  const int64_t b = a.PeekInt(1), t = a.PeekInt(2), h = a.PeekInt(3), n = a.PeekInt(4), rot = a.PeekInt(10);
  const int64_t all = b * t * h;
  float* qkv = a.F32("qkv", 3 * all);
  a.Int("b");
  a.Int("t");
  a.Int("h");
  a.Int("n");
  float* q = a.F32("q", all);
  float* k = a.F32("k", all);
  float* v = a.F32("v", all);
  const float* c = a.F32("cos", t * (rot / 2), rot == 0);
  const float* s = a.F32("sin", t * (rot / 2), rot == 0);
  a.Int("rot");
  const bool inter = a.Bool();
  const bool split = a.Bool();
  if (a.ok && (n <= 0 || h % n != 0 || rot > h / n || rot % 2 != 0)) {
    Napi::RangeError::New(info.Env(), "heads: heads must divide hidden and rot must be even and <= head size")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  if (!a.ok) return info.Env().Undefined();
  // one task per sample: samples are disjoint in qkv and in q, k, v
  const int64_t per = t * h;
  Chunked(b, [&](int64_t b0, int64_t m) {
    if (split) {
      wsc::SplitHeads(qkv + b0 * 3 * per, m, t, h, n, q + b0 * per, k + b0 * per, v + b0 * per, c, s, rot, inter);
    } else {
      wsc::MergeHeads(q + b0 * per, k + b0 * per, v + b0 * per, m, t, h, n, qkv + b0 * 3 * per, c, s, rot, inter);
    }
  }, 1);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // OpenBLAS runs single-threaded inside each tile; the tiles are what runs in parallel (see RunGemm).
  openblas_set_num_threads(1);
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("sgemmBatched", Napi::Function::New(env, SgemmBatched));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  exports.Set("actForward", Napi::Function::New(env, ActForwardJs));
  exports.Set("actBackward", Napi::Function::New(env, ActBackwardJs));
  exports.Set("swigluForward", Napi::Function::New(env, SwigluForwardJs));
  exports.Set("swigluBackward", Napi::Function::New(env, SwigluBackwardJs));
  exports.Set("layerNormForward", Napi::Function::New(env, LayerNormForwardJs));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackwardJs));
  exports.Set("rmsNormForward", Napi::Function::New(env, RmsNormForwardJs));
  exports.Set("rmsNormBackward", Napi::Function::New(env, RmsNormBackwardJs));
  exports.Set("attnSoftmax", Napi::Function::New(env, AttnSoftmaxJs));
  exports.Set("attnSoftmaxBackward", Napi::Function::New(env, AttnSoftmaxBackwardJs));
  exports.Set("adamStep", Napi::Function::New(env, AdamStepJs));
  exports.Set("heads", Napi::Function::New(env, HeadsJs));
  exports.Set("crossEntropy", Napi::Function::New(env, CrossEntropyJs));
  exports.Set("fillRows", Napi::Function::New(env, FillRowsJs));
  exports.Set("addInto", Napi::Function::New(env, AddIntoJs));
  exports.Set("scaleInPlace", Napi::Function::New(env, ScaleInPlaceJs));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquaresJs));
  exports.Set("vocabLossForward", Napi::Function::New(env, VocabLossForwardJs));
  exports.Set("vocabLossBackward", Napi::Function::New(env, VocabLossBackwardJs));
  return exports;
}

}  // namespace

NODE_API_MODULE(wsc_blas, Init)
