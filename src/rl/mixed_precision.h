// BF16 mixed precision for the GPT-2 passes (PpoConfig::bf16), through
// libtorch's autocast: inside a region, matmuls and attention run in bfloat16
// (oneDNN's AVX512-BF16 / AMX kernels on the CPUs that have them) while the
// weights, the residual stream, LayerNorm, the two heads, the losses and Adam
// stay fp32. Measured on GPT-2 124M: docs/BENCHMARKS.md, "One PPO step".
#pragma once

#include <torch/torch.h>

namespace ragppo::rl {

// Turns autocast on (bf16 = true) or off (false) for `device`'s type until the
// end of the scope, then restores what was there. When the outermost region
// closes, autocast's cache of bf16 weight copies is dropped, so a region must
// not span an optimiser step (the cached copies would be of the old weights).
class AutocastScope {
public:
    AutocastScope(torch::Device device, bool bf16);
    ~AutocastScope();
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope & operator=(const AutocastScope &) = delete;

private:
    c10::DeviceType type_;
    bool was_enabled_;
    at::ScalarType was_dtype_;
    bool nested_ = false;
};

// Autocast keeps its bf16 copy of a weight only when the weight requires grad, so
// frozen weights (the base of a LoRA policy) would be cast again by every pass of
// a region: every decode step of a rollout. For no-grad regions (nothing is
// recorded, so nothing else changes): marks `module`'s frozen parameters as
// requiring grad while it lives, when `active`. Declare it before the
// AutocastScope, so the cache is dropped before the marks are.
class CacheFrozenWeightCasts {
public:
    CacheFrozenWeightCasts(torch::nn::Module & module, bool active);
    ~CacheFrozenWeightCasts();
    CacheFrozenWeightCasts(const CacheFrozenWeightCasts &) = delete;
    CacheFrozenWeightCasts & operator=(const CacheFrozenWeightCasts &) = delete;

private:
    std::vector<torch::Tensor> marked_;
};

// Whether this CPU computes bf16 dot products natively (AVX512_BF16 or AMX-BF16).
// Elsewhere bf16 still runs, converted in software, usually slower than fp32.
bool cpu_has_native_bf16();

}  // namespace ragppo::rl
