#include "rl/kv_cache.h"

namespace ragppo::rl {

KvCache::KvCache(int64_t n_layer, int64_t capacity) : keys_(n_layer), values_(n_layer), capacity_(capacity) {}

namespace {

// A buffer with room for `needed` tokens holding the first `length` of `old`.
torch::Tensor grown(const torch::Tensor & old, const torch::Tensor & like, int64_t length, int64_t needed) {
    auto sizes = like.sizes().vec();
    sizes[2] = needed;
    auto buffer = torch::empty(sizes, like.options());
    if (old.defined() && length > 0) buffer.narrow(2, 0, length).copy_(old.narrow(2, 0, length));
    return buffer;
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> KvCache::append(int64_t layer, const torch::Tensor & k,
                                                        const torch::Tensor & v) {
    auto & keys = keys_.at(layer);
    auto & values = values_.at(layer);
    const int64_t total = length_ + k.size(2);
    if (!keys.defined() || keys.size(2) < total) {
        const int64_t old_room = keys.defined() ? keys.size(2) : 0;
        const int64_t room = std::max({total, capacity_, 2 * old_room});
        keys = grown(keys, k, length_, room);
        values = grown(values, v, length_, room);
    }
    keys.narrow(2, length_, k.size(2)).copy_(k);
    values.narrow(2, length_, v.size(2)).copy_(v);
    return {keys.narrow(2, 0, total), values.narrow(2, 0, total)};
}

void KvCache::keep_rows(const torch::Tensor & rows) {
    for (auto * buffers : {&keys_, &values_})
        for (auto & b : *buffers)
            if (b.defined()) b = b.index_select(0, rows);
}

}  // namespace ragppo::rl
