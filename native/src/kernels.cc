// Element-wise and row-wise hot loops of the host numerics in C++ (the profile of a training step showed them
// costing more than the GEMMs when written in JavaScript: Math.exp alone is ~10 ns per call). Each mirrors a
// TypeScript reference in src/numerics/ops (same formulas, float64 row statistics), which stays the fallback
// and the implementation tests compare these against.
//
// The bodies (kernels_impl.inc) are compiled twice, for baseline x86-64 and for AVX2+FMA, and each entry point
// below picks one by the CPU it runs on. (GCC's target_clones attribute left these loops unvectorized.)
#include "kernels.h"

#include <cmath>
#include <cstring>

namespace wsc {

namespace base {
#include "kernels_impl.inc"
}  // namespace base

#if defined(__x86_64__) && defined(__GNUC__)
#define WSC_HAVE_AVX2_BUILD 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#include "kernels_impl.inc"
}  // namespace avx2
#pragma GCC pop_options
#endif

namespace {
bool UseAvx2() {
#ifdef WSC_HAVE_AVX2_BUILD
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}
}  // namespace

#ifdef WSC_HAVE_AVX2_BUILD
#define WSC_DISPATCH(fn, ...) return UseAvx2() ? avx2::fn(__VA_ARGS__) : base::fn(__VA_ARGS__)
#else
#define WSC_DISPATCH(fn, ...) return base::fn(__VA_ARGS__)
#endif

void ActForward(int op, const float* x, float* y, int64_t n) { WSC_DISPATCH(ActForward, op, x, y, n); }
void ActBackward(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  WSC_DISPATCH(ActBackward, op, x, y, dy, dx, n);
}
void SwigluForward(const float* g, const float* u, float* y, int64_t n) { WSC_DISPATCH(SwigluForward, g, u, y, n); }
void SwigluBackward(const float* g, const float* u, const float* dy, float* dg, float* du, int64_t n) {
  WSC_DISPATCH(SwigluBackward, g, u, dy, dg, du, n);
}
void LayerNormForward(const float* x, int64_t rows, int64_t c, const float* g, const float* b, double eps, float* y,
                      float* mean, float* rstd) {
  WSC_DISPATCH(LayerNormForward, x, rows, c, g, b, eps, y, mean, rstd);
}
void LayerNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* mean,
                       const float* rstd, float* dx, float* dg, float* db, bool accumulate) {
  WSC_DISPATCH(LayerNormBackward, dy, x, rows, c, g, mean, rstd, dx, dg, db, accumulate);
}
void RmsNormForward(const float* x, int64_t rows, int64_t c, const float* g, double eps, float* y, float* rstd) {
  WSC_DISPATCH(RmsNormForward, x, rows, c, g, eps, y, rstd);
}
void RmsNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* rstd,
                     float* dx, float* dg, bool accumulate) {
  WSC_DISPATCH(RmsNormBackward, dy, x, rows, c, g, rstd, dx, dg, accumulate);
}
void AttnSoftmax(float* s, int64_t batch, int64_t heads, int64_t t, bool causal, const float* keyMask) {
  WSC_DISPATCH(AttnSoftmax, s, batch, heads, t, causal, keyMask);
}
void AttnSoftmaxBackward(const float* p, float* dp, int64_t rows, int64_t t, bool causal, float scale) {
  WSC_DISPATCH(AttnSoftmaxBackward, p, dp, rows, t, causal, scale);
}
void AdamStep(float* w, const float* g, float* m, float* v, int64_t n, const AdamArgs& a) {
  WSC_DISPATCH(AdamStep, w, g, m, v, n, a);
}
void SplitHeads(const float* qkv, int64_t b, int64_t t, int64_t h, int64_t n, float* q, float* k, float* v,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved) {
  WSC_DISPATCH(SplitHeads, qkv, b, t, h, n, q, k, v, cosT, sinT, rot, interleaved);
}
void MergeHeads(float* dq, float* dk, const float* dv, int64_t b, int64_t t, int64_t h, int64_t n, float* dqkv,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved) {
  WSC_DISPATCH(MergeHeads, dq, dk, dv, b, t, h, n, dqkv, cosT, sinT, rot, interleaved);
}
void CrossEntropyRows(const float* logits, int64_t rows, int64_t v, const int32_t* labels, const float* mask,
                      float gradScale, float* dlogits, double* rowLoss) {
  WSC_DISPATCH(CrossEntropyRows, logits, rows, v, labels, mask, gradScale, dlogits, rowLoss);
}

void SliceLse(const float* x, int64_t n, float* maxOut, double* sumOut) { WSC_DISPATCH(SliceLse, x, n, maxOut, sumOut); }
void SliceSoftmaxScaled(float* x, int64_t n, double lse, float k) { WSC_DISPATCH(SliceSoftmaxScaled, x, n, lse, k); }
void AddInto(float* out, const float* a, int64_t n) { WSC_DISPATCH(AddInto, out, a, n); }
void ScaleInPlace(float* x, int64_t n, float k) { WSC_DISPATCH(ScaleInPlace, x, n, k); }
double SumSquares(const float* x, int64_t n) { WSC_DISPATCH(SumSquares, x, n); }

}  // namespace wsc
