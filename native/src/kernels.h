// Element-wise and row-wise kernels of the host numerics (see kernels.cc). Row-major float32 throughout.
#pragma once
#include <cstdint>

namespace wsc {

// Activation codes, shared with src/numerics/ops/activations.ts (NATIVE_ACTIVATION_CODES).
enum Act { kGelu = 0, kGeluTanh = 1, kSilu = 2, kTanh = 3, kRelu = 4 };

void ActForward(int op, const float* x, float* y, int64_t n);
void ActBackward(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n);
void SwigluForward(const float* g, const float* u, float* y, int64_t n);
void SwigluBackward(const float* g, const float* u, const float* dy, float* dg, float* du, int64_t n);
void LayerNormForward(const float* x, int64_t rows, int64_t c, const float* g, const float* b, double eps, float* y,
                      float* mean, float* rstd);
void LayerNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* mean,
                       const float* rstd, float* dx, float* dg, float* db, bool accumulate);
void RmsNormForward(const float* x, int64_t rows, int64_t c, const float* g, double eps, float* y, float* rstd);
void RmsNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* rstd,
                     float* dx, float* dg, bool accumulate);
// Masked softmax in place on scores [B, N, T, T] (causal and/or key padding mask [B, T], 0 = pad).
void AttnSoftmax(float* s, int64_t batch, int64_t heads, int64_t t, bool causal, const float* keyMask);
// dS = P * (dP - rowsum(dP * P)) * scale in place on dp, rows of length t.
void AttnSoftmaxBackward(const float* p, float* dp, int64_t rows, int64_t t, bool causal, float scale);

// qkv [B*T, 3H] -> head-major q, k, v [B, N, T, D], rotating the first `rot` dims of q and k by the tables
// cos/sin [T, rot/2] (rot = 0: none); interleaved pairs (2i, 2i+1), else (i, i + rot/2).
void SplitHeads(const float* qkv, int64_t b, int64_t t, int64_t h, int64_t n, float* q, float* k, float* v,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved);
// The inverse: dq, dk (rotated back in place), dv head-major -> dqkv [B*T, 3H].
void MergeHeads(float* dq, float* dk, const float* dv, int64_t b, int64_t t, int64_t h, int64_t n, float* dqkv,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved);

// Softmax cross-entropy per row: rowLoss[r] = mask[r] * (logsumexp(x_r) - x_r[label_r]) (0 where mask is 0);
// when dlogits is given (it may alias logits): gradScale * mask[r] * (softmax(x_r) - onehot(label_r)).
// Labels must be in [0, v) for rows with a non-zero mask (checked by the caller).
void CrossEntropyRows(const float* logits, int64_t rows, int64_t v, const int32_t* labels, const float* mask,
                      float gradScale, float* dlogits, double* rowLoss);

// A row's slice of logits: its max and sum_j exp(x_j - max) (float64), for an online log-sum-exp.
void SliceLse(const float* x, int64_t n, float* maxOut, double* sumOut);
// In place: x_j = k * exp(x_j - lse).
void SliceSoftmaxScaled(float* x, int64_t n, double lse, float k);

// The fused LM head plus cross-entropy (vocab_loss.cc): logits = x W^T (+ b) over x [rows, h], W [v, h],
// computed a block of rows by a slice of the vocabulary at a time and never held whole.
struct VocabLossArgs {
  const float* x;
  int64_t rows, h;
  const float* w;
  const float* b;  // [v] or null
  int64_t v;
  const int32_t* labels;  // [rows]; checked by the caller for rows whose mask is not 0
  const float* mask;      // [rows] or null
};
// lse[r] = logsumexp of row r's logits and rowLoss[r] = mask[r] * (lse[r] - logit[r, label[r]]) (both 0
// where the mask is 0).
void VocabLossForward(const VocabLossArgs& a, double* lse, double* rowLoss);
// From the forward's lse: dlogits = scale * mask[r] * (softmax - onehot), recomputed slice by slice and fed
// into dx [rows, h] = dlogits W, dw [v, h] = dlogits^T x and db [v] = column sums (all overwritten).
void VocabLossBackward(const VocabLossArgs& a, const double* lse, float scale, float* dx, float* dw, float* db);

// out += a; x *= k; sum of x^2 (float64, a fixed order) — gradient accumulation and clipping.
void AddInto(float* out, const float* a, int64_t n);
void ScaleInPlace(float* x, int64_t n, float k);
double SumSquares(const float* x, int64_t n);

struct AdamArgs {
  float gradScale, l2, shrink, beta1, beta2, eps, stepSize, sqrtBc2;
};
void AdamStep(float* w, const float* g, float* m, float* v, int64_t n, const AdamArgs& a);

}  // namespace wsc
