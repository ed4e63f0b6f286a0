// Element-wise and row-wise hot loops of the host numerics in C++ (the profile of a training step showed them
// costing more than the GEMMs when written in JavaScript: Math.exp alone is ~10 ns per call). Each mirrors a
// TypeScript reference in src/numerics/ops (same formulas, float64 row statistics), which stays the fallback
// and the implementation tests compare these against.
#include "kernels.h"

#include <cmath>
#include <cstring>

namespace wsc {

namespace {
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kInvSqrt2 = 0.7071067811865476f;
constexpr float kInvSqrt2Pi = 0.3989422804014327f;

// exp(x) for float32 in a form the compiler vectorizes (glibc's expf, tanhf and erff are scalar calls, and
// tanhf/erff cost 15-30 ns each): x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial (Cephes
// expf coefficients, < 2 ulp), 2^n assembled in the exponent bits. Inputs are clamped to [-87, 88].
inline float ExpF(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // round to nearest by the 1.5 * 2^23 trick (branch-free, vectorizes without SSE4.1)
  const float fn = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * r2 + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(fn) + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

// tanh(u) = 1 - 2 / (exp(2u) + 1): exact limits at both ends, relative error a few ulp (near 0 the absolute
// error stays below 1e-7, enough for the activations that use it).
inline float TanhF(float u) { return 1.0f - 2.0f / (ExpF(2.0f * u) + 1.0f); }

// erf(x), relative error < 1.2e-7 (Chebyshev fit of erfc, Numerical Recipes 6.2), as the TypeScript erf.
inline float ErfF(float x) {
  const float z = x < 0 ? -x : x;
  const float t = 1.0f / (1.0f + 0.5f * z);
  const float poly =
      -1.26551223f +
      t * (1.00002368f +
           t * (0.37409196f +
                t * (0.09678418f +
                     t * (-0.18628806f +
                          t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  const float r = t * ExpF(-z * z + poly);
  return x >= 0 ? 1.0f - r : r - 1.0f;
}
}  // namespace

// Hot loops are compiled twice (AVX2+FMA and baseline x86-64) and picked at load time by the CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WSC_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define WSC_CLONES
#endif

WSC_CLONES void ActForward(int op, const float* x, float* y, int64_t n) {
  switch (op) {
    case kGelu:
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + ErfF(x[i] * kInvSqrt2));
      break;
    case kGeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float t = TanhF(kSqrt2OverPi * (v + 0.044715f * v * v * v));
        y[i] = 0.5f * v * (1.0f + t);
      }
      break;
    case kSilu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + ExpF(-x[i]));
      break;
    case kTanh:
      for (int64_t i = 0; i < n; ++i) y[i] = TanhF(x[i]);
      break;
    case kRelu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
  }
}

WSC_CLONES void ActBackward(int op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  switch (op) {
    case kGelu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        const float cdf = 0.5f * (1.0f + ErfF(v * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * ExpF(-0.5f * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
      }
      break;
    case kGeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i], v2 = v * v;
        const float t = TanhF(kSqrt2OverPi * (v + 0.044715f * v2 * v));
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * v2));
      }
      break;
    case kSilu:
      for (int64_t i = 0; i < n; ++i) {
        const float s = 1.0f / (1.0f + ExpF(-x[i]));
        dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
      }
      break;
    case kTanh:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
      break;
    case kRelu:
      for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
      break;
  }
}

WSC_CLONES void SwigluForward(const float* g, const float* u, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = g[i] / (1.0f + ExpF(-g[i])) * u[i];
}

WSC_CLONES void SwigluBackward(const float* g, const float* u, const float* dy, float* dg, float* du, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.0f / (1.0f + ExpF(-g[i]));
    const float d = dy[i];
    du[i] = d * g[i] * s;
    dg[i] = d * u[i] * s * (1.0f + g[i] * (1.0f - s));
  }
}

WSC_CLONES void LayerNormForward(const float* x, int64_t rows, int64_t c, const float* g, const float* b, double eps, float* y,
                      float* mean, float* rstd) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    double s = 0;
    for (int64_t j = 0; j < c; ++j) s += xr[j];
    const double mu = s / c;
    double v = 0;
    for (int64_t j = 0; j < c; ++j) {
      const double d = xr[j] - mu;
      v += d * d;
    }
    const double rs = 1.0 / std::sqrt(v / c + eps);
    mean[r] = static_cast<float>(mu);
    rstd[r] = static_cast<float>(rs);
    const float muf = static_cast<float>(mu), rsf = static_cast<float>(rs);
    for (int64_t j = 0; j < c; ++j) yr[j] = (xr[j] - muf) * rsf * g[j] + b[j];
  }
}

WSC_CLONES void LayerNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* mean,
                       const float* rstd, float* dx, float* dg, float* db, bool accumulate) {
  double* acc = new double[2 * c]();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    const float mu = mean[r], rs = rstd[r];
    double s1 = 0, s2 = 0;
    for (int64_t j = 0; j < c; ++j) {
      const float xh = (xr[j] - mu) * rs;
      const float dxh = dyr[j] * g[j];
      s1 += dxh;
      s2 += static_cast<double>(dxh) * xh;
      acc[j] += static_cast<double>(dyr[j]) * xh;
      acc[c + j] += dyr[j];
    }
    const float m1 = static_cast<float>(s1 / c), m2 = static_cast<float>(s2 / c);
    for (int64_t j = 0; j < c; ++j) {
      const float xh = (xr[j] - mu) * rs;
      const float v = rs * (dyr[j] * g[j] - m1 - xh * m2);
      dxr[j] = accumulate ? dxr[j] + v : v;
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    dg[j] = static_cast<float>(acc[j]);
    db[j] = static_cast<float>(acc[c + j]);
  }
  delete[] acc;
}

WSC_CLONES void RmsNormForward(const float* x, int64_t rows, int64_t c, const float* g, double eps, float* y, float* rstd) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    double s = 0;
    for (int64_t j = 0; j < c; ++j) s += static_cast<double>(xr[j]) * xr[j];
    const float rs = static_cast<float>(1.0 / std::sqrt(s / c + eps));
    rstd[r] = rs;
    for (int64_t j = 0; j < c; ++j) yr[j] = xr[j] * rs * g[j];
  }
}

WSC_CLONES void RmsNormBackward(const float* dy, const float* x, int64_t rows, int64_t c, const float* g, const float* rstd,
                     float* dx, float* dg, bool accumulate) {
  double* acc = new double[c]();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    const float rs = rstd[r];
    double s = 0;
    for (int64_t j = 0; j < c; ++j) {
      const float xh = xr[j] * rs;
      s += static_cast<double>(dyr[j]) * g[j] * xh;
      acc[j] += static_cast<double>(dyr[j]) * xh;
    }
    const float m = static_cast<float>(s / c);
    for (int64_t j = 0; j < c; ++j) {
      const float v = rs * (dyr[j] * g[j] - xr[j] * rs * m);
      dxr[j] = accumulate ? dxr[j] + v : v;
    }
  }
  for (int64_t j = 0; j < c; ++j) dg[j] = static_cast<float>(acc[j]);
  delete[] acc;
}

WSC_CLONES void AttnSoftmax(float* s, int64_t batch, int64_t heads, int64_t t, bool causal, const float* keyMask) {
  for (int64_t b = 0; b < batch; ++b) {
    const float* km = keyMask ? keyMask + b * t : nullptr;
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < t; ++i) {
        float* row = s + ((b * heads + h) * t + i) * t;
        const int64_t end = causal ? i + 1 : t;
        float mx = -INFINITY;
        for (int64_t j = 0; j < end; ++j) {
          if (km && km[j] == 0.0f) continue;
          if (row[j] > mx) mx = row[j];
        }
        if (mx == -INFINITY) {
          std::memset(row, 0, sizeof(float) * t);
          continue;
        }
        double sum = 0;
        for (int64_t j = 0; j < end; ++j) {
          if (km && km[j] == 0.0f) {
            row[j] = 0.0f;
            continue;
          }
          const float e = ExpF(row[j] - mx);
          row[j] = e;
          sum += e;
        }
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t j = 0; j < end; ++j) row[j] *= inv;
        for (int64_t j = end; j < t; ++j) row[j] = 0.0f;
      }
    }
  }
}

WSC_CLONES void AttnSoftmaxBackward(const float* p, float* dp, int64_t rows, int64_t t, bool causal, float scale) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* pr = p + r * t;
    float* dr = dp + r * t;
    const int64_t end = causal ? (r % t) + 1 : t;
    double s = 0;
    for (int64_t j = 0; j < end; ++j) s += static_cast<double>(dr[j]) * pr[j];
    const float sf = static_cast<float>(s);
    for (int64_t j = 0; j < end; ++j) dr[j] = pr[j] * (dr[j] - sf) * scale;
    for (int64_t j = end; j < t; ++j) dr[j] = 0.0f;
  }
}

WSC_CLONES void AdamStep(float* w, const float* g, float* m, float* v, int64_t n, const AdamArgs& a) {
  for (int64_t i = 0; i < n; ++i) {
    const float wi = w[i] * a.shrink;
    const float gi = g[i] * a.gradScale + a.l2 * w[i];
    const float mi = m[i] = a.beta1 * m[i] + (1.0f - a.beta1) * gi;
    const float vi = v[i] = a.beta2 * v[i] + (1.0f - a.beta2) * gi * gi;
    w[i] = wi - (a.stepSize * mi) / (std::sqrt(vi) / a.sqrtBc2 + a.eps);
  }
}

}  // namespace wsc

namespace wsc {

namespace {
// Rotates one head vector x[0 .. rot) at table row t (sign -1: the inverse rotation).
inline void Rotate(float* x, const float* cosT, const float* sinT, int64_t half, bool interleaved, float sign) {
  if (interleaved) {
    for (int64_t i = 0; i < half; ++i) {
      const float c = cosT[i], s = sign * sinT[i];
      const float x0 = x[2 * i], x1 = x[2 * i + 1];
      x[2 * i] = x0 * c - x1 * s;
      x[2 * i + 1] = x1 * c + x0 * s;
    }
  } else {
    for (int64_t i = 0; i < half; ++i) {
      const float c = cosT[i], s = sign * sinT[i];
      const float x0 = x[i], x1 = x[i + half];
      x[i] = x0 * c - x1 * s;
      x[i + half] = x1 * c + x0 * s;
    }
  }
}
}  // namespace

void SplitHeads(const float* qkv, int64_t b, int64_t t, int64_t h, int64_t n, float* q, float* k, float* v,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved) {
  const int64_t d = h / n, half = rot / 2;
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t ti = 0; ti < t; ++ti) {
      const float* src = qkv + (bi * t + ti) * 3 * h;
      for (int64_t hi = 0; hi < n; ++hi) {
        const int64_t dst = ((bi * n + hi) * t + ti) * d;
        std::memcpy(q + dst, src + hi * d, sizeof(float) * d);
        std::memcpy(k + dst, src + h + hi * d, sizeof(float) * d);
        std::memcpy(v + dst, src + 2 * h + hi * d, sizeof(float) * d);
        if (rot > 0) {
          Rotate(q + dst, cosT + ti * half, sinT + ti * half, half, interleaved, 1.0f);
          Rotate(k + dst, cosT + ti * half, sinT + ti * half, half, interleaved, 1.0f);
        }
      }
    }
  }
}

void MergeHeads(float* dq, float* dk, const float* dv, int64_t b, int64_t t, int64_t h, int64_t n, float* dqkv,
                const float* cosT, const float* sinT, int64_t rot, bool interleaved) {
  const int64_t d = h / n, half = rot / 2;
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t hi = 0; hi < n; ++hi) {
      for (int64_t ti = 0; ti < t; ++ti) {
        const int64_t src = ((bi * n + hi) * t + ti) * d;
        if (rot > 0) {
          Rotate(dq + src, cosT + ti * half, sinT + ti * half, half, interleaved, -1.0f);
          Rotate(dk + src, cosT + ti * half, sinT + ti * half, half, interleaved, -1.0f);
        }
        float* dst = dqkv + (bi * t + ti) * 3 * h + hi * d;
        std::memcpy(dst, dq + src, sizeof(float) * d);
        std::memcpy(dst + h, dk + src, sizeof(float) * d);
        std::memcpy(dst + 2 * h, dv + src, sizeof(float) * d);
      }
    }
  }
}

}  // namespace wsc

namespace wsc {

WSC_CLONES void CrossEntropyRows(const float* logits, int64_t rows, int64_t v, const int32_t* labels, const float* mask,
                                 float gradScale, float* dlogits, double* rowLoss) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * v;
    const float w = mask ? mask[r] : 1.0f;
    if (w == 0.0f) {
      rowLoss[r] = 0;
      if (dlogits) std::memset(dlogits + r * v, 0, sizeof(float) * v);
      continue;
    }
    float mx = -INFINITY;
    for (int64_t j = 0; j < v; ++j) mx = x[j] > mx ? x[j] : mx;
    double s = 0;
    for (int64_t j = 0; j < v; ++j) s += ExpF(x[j] - mx);
    const double lse = mx + std::log(s);
    const int32_t label = labels[r];
    rowLoss[r] = w * (lse - x[label]);
    if (dlogits) {
      float* d = dlogits + r * v;
      const float k = gradScale * w;
      // x - lse in double: lse rounded to float would cost up to an ulp of lse (~1e-5 relative at lse ~ 100)
      for (int64_t j = 0; j < v; ++j) d[j] = k * ExpF(static_cast<float>(x[j] - lse));
      d[label] -= k;
    }
  }
}

}  // namespace wsc
