// BERT's exact GELU, x/2 * (1 + erf(x/sqrt 2)), as a ggml custom op.
//
// Why our own: ggml's GELU_ERF calls libm's erff one element at a time, which made it
// the largest single cost of a MiniLM forward (more than all matmuls together on
// 2 cores), and ggml's fast GELU is the tanh approximation through an fp16 table.
// This one is branch-free arithmetic the compiler vectorises, built for AVX-512, AVX2
// and baseline x86-64 and picked at run time (target_clones), like the ggml CPU
// variants. erf: Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7, float's own
// rounding at 1); exp: Cody-Waite range reduction and a degree-6 polynomial.
#include "embed/gelu_erf.h"

#include "ragppo.h"

#include <ggml.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ragppo::embed {

namespace {

// exp(x) for x in [-87, 0] (the only range erf needs), relative error ~2e-7.
__attribute__((always_inline)) inline float exp_neg(float x) {
    x = x < -87.0f ? -87.0f : x;
    // Round to nearest by truncation: x * log2(e) is <= 0 here (no floorf: a libm call
    // on baseline x86-64 would stop the loop from vectorising).
    const float n = -static_cast<float>(static_cast<int32_t>(0.5f - x * 1.44269504f));
    const float r = x - n * 0.693145752f - n * 1.42860677e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

__attribute__((always_inline)) inline float gelu_erf_one(float x) {
    float z = __builtin_fabsf(x) * 0.707106781f;
    z = z > 10.0f ? 10.0f : z;  // erf(10) == 1 in float
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    float poly = 1.061405429f;
    poly = poly * t - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    const float erf_abs = 1.0f - poly * t * exp_neg(-z * z);
    return 0.5f * x * (1.0f + __builtin_copysignf(erf_abs, x));
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void gelu_erf_rows(float * y, const float * x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = gelu_erf_one(x[i]);
}

// ggml calls this once per thread; each takes a contiguous share of the rows.
void gelu_erf_op(ggml_tensor * dst, const ggml_tensor * a, int ith, int nth, void *) {
    const int64_t rows = ggml_nrows(a);
    const int64_t per = (rows + nth - 1) / nth;
    const int64_t r0 = per * ith, r1 = std::min(rows, r0 + per);
    const int64_t n = a->ne[0];
    for (int64_t r = r0; r < r1; ++r) {
        // Rows of a contiguous tensor: the index splits into (ne1, ne2, ne3) coordinates.
        const int64_t i1 = r % a->ne[1], i2 = (r / a->ne[1]) % a->ne[2], i3 = r / (a->ne[1] * a->ne[2]);
        const auto * src = reinterpret_cast<const float *>(static_cast<const char *>(a->data) + i1 * a->nb[1] + i2 * a->nb[2] + i3 * a->nb[3]);
        auto * out = reinterpret_cast<float *>(static_cast<char *>(dst->data) + i1 * dst->nb[1] + i2 * dst->nb[2] + i3 * dst->nb[3]);
        gelu_erf_rows(out, src, n);
    }
}

}  // namespace

float gelu_erf_scalar(float x) { return gelu_erf_one(x); }

ggml_tensor * gelu_erf(ggml_context * ctx, ggml_tensor * x) {
    if (x->type != GGML_TYPE_F32 || x->nb[0] != sizeof(float)) throw Error("gelu_erf needs F32 rows");
    return ggml_map_custom1(ctx, x, gelu_erf_op, GGML_N_TASKS_MAX, nullptr);
}

}  // namespace ragppo::embed
