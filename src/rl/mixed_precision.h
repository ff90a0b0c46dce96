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

// Whether this CPU computes bf16 dot products natively (AVX512_BF16 or AMX-BF16).
// Elsewhere bf16 still runs, converted in software, usually slower than fp32.
bool cpu_has_native_bf16();

}  // namespace ragppo::rl
