#include "rl/mixed_precision.h"

#include <ATen/autocast_mode.h>

namespace ragppo::rl {

AutocastScope::AutocastScope(torch::Device device, bool bf16)
    : type_(device.type()), was_enabled_(at::autocast::is_autocast_enabled(type_)),
      was_dtype_(at::autocast::get_autocast_dtype(type_)) {
    at::autocast::set_autocast_enabled(type_, bf16);
    if (bf16) {
        at::autocast::set_autocast_dtype(type_, at::kBFloat16);
        // As torch.autocast's __enter__: the nesting depth decides when the cache goes.
        at::autocast::increment_nesting();
        nested_ = true;
    }
}

AutocastScope::~AutocastScope() {
    if (nested_ && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(type_, was_enabled_);
    at::autocast::set_autocast_dtype(type_, was_dtype_);
}

CacheFrozenWeightCasts::CacheFrozenWeightCasts(torch::nn::Module & module, bool active) {
    if (!active) return;
    for (auto & p : module.parameters())
        if (!p.requires_grad()) {
            p.set_requires_grad(true);
            marked_.push_back(p);
        }
}

CacheFrozenWeightCasts::~CacheFrozenWeightCasts() {
    for (auto & p : marked_) p.set_requires_grad(false);
}

bool cpu_has_native_bf16() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
    return false;
#endif
}

}  // namespace ragppo::rl
