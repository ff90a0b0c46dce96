#include "rl/ppo_batch.h"

#include "rl/ppo_math.h"
#include "ragppo.h"

#include <algorithm>

namespace ragppo::rl {

PpoBatch make_ppo_batch(const std::vector<std::vector<int32_t>> & queries,
                        const std::vector<std::vector<int32_t>> & responses, int64_t pad_id, torch::Device device) {
    if (queries.size() != responses.size())
        throw Error("PPO batch: " + std::to_string(queries.size()) + " queries but " +
                    std::to_string(responses.size()) + " responses");
    if (queries.empty()) throw Error("PPO batch: no samples");
    const int64_t n = static_cast<int64_t>(queries.size());
    PpoBatch b;
    int64_t q_width = 0, r_width = 0;
    for (int64_t i = 0; i < n; ++i) {
        if (queries[i].empty()) throw Error("PPO batch: query " + std::to_string(i) + " is empty");
        if (responses[i].empty()) throw Error("PPO batch: response " + std::to_string(i) + " is empty");
        b.query_lens.push_back(static_cast<int64_t>(queries[i].size()));
        b.response_lens.push_back(static_cast<int64_t>(responses[i].size()));
        q_width = std::max(q_width, b.query_lens.back());
        r_width = std::max(r_width, b.response_lens.back());
    }
    auto ids = torch::full({n, q_width + r_width}, pad_id, torch::kInt64);
    auto attn = torch::zeros({n, q_width + r_width}, torch::kInt64);
    auto ids_a = ids.accessor<int64_t, 2>();
    auto attn_a = attn.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t q0 = q_width - b.query_lens[i];
        for (int64_t t = 0; t < b.query_lens[i]; ++t) ids_a[i][q0 + t] = queries[i][t], attn_a[i][q0 + t] = 1;
        for (int64_t t = 0; t < b.response_lens[i]; ++t)
            ids_a[i][q_width + t] = responses[i][t], attn_a[i][q_width + t] = 1;
    }
    b.query_width = q_width;
    b.input_ids = ids.to(device);
    b.attention_mask = attn.to(device);
    b.response_ids = b.input_ids.slice(1, q_width);
    b.response_mask = b.attention_mask.slice(1, q_width).to(torch::kFloat32);
    return b;
}

PpoBatch select_rows(const PpoBatch & batch, const torch::Tensor & rows) {
    PpoBatch out;
    const auto r = rows.to(batch.input_ids.device());
    out.input_ids = batch.input_ids.index_select(0, r);
    out.attention_mask = batch.attention_mask.index_select(0, r);
    out.response_mask = batch.response_mask.index_select(0, r);
    out.response_ids = batch.response_ids.index_select(0, r);
    out.query_width = batch.query_width;
    const auto rows_cpu = rows.to(torch::kCPU).to(torch::kInt64);
    for (int64_t i = 0; i < rows_cpu.size(0); ++i) {
        const auto k = rows_cpu[i].item<int64_t>();
        out.query_lens.push_back(batch.query_lens[k]);
        out.response_lens.push_back(batch.response_lens[k]);
    }
    return out;
}

ResponseForward forward_responses(Gpt2PolicyImpl & model, const PpoBatch & batch, bool want_logits) {
    const int64_t total = batch.input_ids.size(1);
    const int64_t r = total - batch.query_width;
    // The last response token predicts nothing that is scored: read up to the one before it.
    const auto ids = batch.input_ids.slice(1, 0, total - 1);
    const auto mask = batch.attention_mask.slice(1, 0, total - 1);
    const auto hidden = model.transformer(ids, mask);
    const auto h = hidden.slice(1, batch.query_width - 1, batch.query_width - 1 + r);  // [b, R, C]
    ResponseForward out;
    const auto logits = model.lm_logits(h).to(torch::kFloat32);
    out.logprobs = logprobs_from_logits(logits, batch.response_ids);
    out.values = model.values(h).to(torch::kFloat32);
    if (want_logits) out.logits = logits;
    return out;
}

}  // namespace ragppo::rl
