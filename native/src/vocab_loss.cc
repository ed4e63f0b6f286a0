// The fused LM head plus cross-entropy. The logits x W^T of a large vocabulary ([rows, v]: 512 x 50,257 for a
// batch of the tiny GPT-2, 100 MB) are never held whole: the vocabulary is cut into slices of `Slice(h)`
// columns and the rows into blocks of kRowBlock, and one task per slice computes its [block, slice] tiles of
// logits one after another in a scratch buffer that stays in cache.
//
//   forward:  each slice keeps, per row, the max and the sum of exp(logit - max) over its columns (and the
//             label's logit when the label falls in it); the slices are then combined in slice order into
//             the row's log-sum-exp (an online log-sum-exp over the vocabulary).
//   backward: each slice recomputes its tiles of logits (the same GEMM, the same bits), turns them into
//             dlogits = scale * mask * (softmax - onehot) with the forward's lse, and feeds them straight
//             into dW[slice] = dlogits^T x (the slice owns those rows of dW), db[slice], and its own partial
//             dx = dlogits W[slice], which are summed in slice order.
//
// Which thread runs which slice never changes a result: the slices, row blocks and row groups are fixed by
// the problem (v, h, rows), and every sum runs in a fixed order, so any thread count gives the same bits.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace wsc {

namespace {

constexpr int64_t kRowBlock = 64;
// The partial dx of all slices for one group of rows is kept to at most this many floats (32 MB).
constexpr int64_t kPartialBudget = int64_t{8} << 20;

// Columns per vocabulary slice: W[slice] about 512 KB (so it, dW[slice] and a tile of logits share L2),
// a multiple of 256 between 256 and 4096.
int64_t Slice(int64_t h) {
  const int64_t cols = (int64_t{128} * 1024) / std::max<int64_t>(h, 1);
  return std::clamp<int64_t>(cols / 256 * 256, 256, 4096);
}

// Scratch for one tile of logits, reused by each thread across calls.
float* Scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(n);
  return buf.data();
}

// logits[rb, vc] of rows r0.. and columns c0.. into t (row stride vc): bias rows first, then the GEMM onto them.
void Logits(const VocabLossArgs& a, int64_t r0, int64_t rb, int64_t c0, int64_t vc, float* t) {
  if (a.b) {
    for (int64_t i = 0; i < rb; ++i) std::memcpy(t + i * vc, a.b + c0, sizeof(float) * vc);
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rb), static_cast<blasint>(vc),
              static_cast<blasint>(a.h), 1.0f, a.x + r0 * a.h, static_cast<blasint>(a.h), a.w + c0 * a.h,
              static_cast<blasint>(a.h), a.b ? 1.0f : 0.0f, t, static_cast<blasint>(vc));
}

bool Counts(const VocabLossArgs& a, int64_t r) { return !a.mask || a.mask[r] != 0.0f; }

}  // namespace

void VocabLossForward(const VocabLossArgs& a, double* lse, double* rowLoss) {
  const int64_t rows = a.rows, v = a.v, vs = Slice(a.h);
  const int64_t slices = (v + vs - 1) / vs;
  std::vector<float> smax(slices * rows);
  std::vector<double> ssum(slices * rows);
  std::vector<float> target(rows, 0.0f);
  ParallelFor(slices, [&](int64_t s) {
    const int64_t c0 = s * vs, vc = std::min(vs, v - c0);
    float* t = Scratch(kRowBlock * vc);
    for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int64_t rb = std::min(kRowBlock, rows - r0);
      Logits(a, r0, rb, c0, vc, t);
      for (int64_t i = 0; i < rb; ++i) {
        const int64_t r = r0 + i;
        SliceLse(t + i * vc, vc, &smax[s * rows + r], &ssum[s * rows + r]);
        const int64_t lab = a.labels[r];
        if (Counts(a, r) && lab >= c0 && lab < c0 + vc) target[r] = t[i * vc + (lab - c0)];
      }
    }
  });
  for (int64_t r = 0; r < rows; ++r) {
    if (!Counts(a, r)) {
      lse[r] = 0;
      rowLoss[r] = 0;
      continue;
    }
    float mx = -INFINITY;
    for (int64_t s = 0; s < slices; ++s) mx = std::max(mx, smax[s * rows + r]);
    double sum = 0;
    for (int64_t s = 0; s < slices; ++s) sum += ssum[s * rows + r] * std::exp(double{smax[s * rows + r]} - mx);
    lse[r] = mx + std::log(sum);
    rowLoss[r] = (a.mask ? a.mask[r] : 1.0f) * (lse[r] - target[r]);
  }
}

void VocabLossBackward(const VocabLossArgs& a, const double* lse, float scale, float* dx, float* dw, float* db) {
  const int64_t rows = a.rows, v = a.v, h = a.h, vs = Slice(h);
  const int64_t slices = (v + vs - 1) / vs;
  // rows per group: the partial dx of every slice for a group fits the budget (a whole number of blocks)
  const int64_t group = std::max<int64_t>(kRowBlock, kPartialBudget / (slices * h) / kRowBlock * kRowBlock);
  std::vector<float> partial(slices * std::min(group, rows) * h);
  for (int64_t g0 = 0; g0 < rows; g0 += group) {
    const int64_t gn = std::min(group, rows - g0);
    ParallelFor(slices, [&](int64_t s) {
      const int64_t c0 = s * vs, vc = std::min(vs, v - c0);
      float* t = Scratch(kRowBlock * vc);
      float* part = partial.data() + s * gn * h;
      for (int64_t r0 = g0; r0 < g0 + gn; r0 += kRowBlock) {
        const int64_t rb = std::min(kRowBlock, g0 + gn - r0);
        Logits(a, r0, rb, c0, vc, t);
        for (int64_t i = 0; i < rb; ++i) {
          const int64_t r = r0 + i;
          float* row = t + i * vc;
          if (!Counts(a, r)) {
            std::memset(row, 0, sizeof(float) * vc);
            continue;
          }
          const float k = scale * (a.mask ? a.mask[r] : 1.0f);
          SliceSoftmaxScaled(row, vc, lse[r], k);
          const int64_t lab = a.labels[r];
          if (lab >= c0 && lab < c0 + vc) row[lab - c0] -= k;
        }
        const bool first = r0 == 0;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<blasint>(vc), static_cast<blasint>(h),
                    static_cast<blasint>(rb), 1.0f, t, static_cast<blasint>(vc), a.x + r0 * h,
                    static_cast<blasint>(h), first ? 0.0f : 1.0f, dw + c0 * h, static_cast<blasint>(h));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(rb), static_cast<blasint>(h),
                    static_cast<blasint>(vc), 1.0f, t, static_cast<blasint>(vc), a.w + c0 * h,
                    static_cast<blasint>(h), 0.0f, part + (r0 - g0) * h, static_cast<blasint>(h));
        if (db) {
          if (first) std::memset(db + c0, 0, sizeof(float) * vc);
          for (int64_t i = 0; i < rb; ++i)
            for (int64_t j = 0; j < vc; ++j) db[c0 + j] += t[i * vc + j];
        }
      }
    });
    float* out = dx + g0 * h;
    std::memcpy(out, partial.data(), sizeof(float) * gn * h);
    for (int64_t s = 1; s < slices; ++s) {
      const float* p = partial.data() + s * gn * h;
      for (int64_t i = 0; i < gn * h; ++i) out[i] += p[i];
    }
  }
  if (rows == 0) {
    std::memset(dw, 0, sizeof(float) * v * h);
    if (db) std::memset(db, 0, sizeof(float) * v);
  }
}

}  // namespace wsc
