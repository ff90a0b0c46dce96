#include "rl/ppo_memory.h"

#include "rl/lora.h"

#include "ragppo.h"
#include "util/available_memory.h"

#include <algorithm>
#include <string>

namespace ragppo::rl {

namespace {

constexpr double kFloat = 4;  // bytes of an fp32 value

double rollout_bytes(const Gpt2Config & m, double batch, double query, double seq) {
    const double C = static_cast<double>(m.n_embd), I = static_cast<double>(m.mlp_width());
    const double kv_cache = 2 * static_cast<double>(m.n_layer) * batch * seq * C * kFloat;
    const double prompt_pass = 2 * batch * query * (3 * C + I) * kFloat;
    return kv_cache + prompt_pass;
}

std::string shape(const Gpt2Config & m, int64_t seq) {
    return std::to_string(m.n_layer) + " layers, " + std::to_string(m.n_embd) + " wide, " + std::to_string(m.vocab_size) +
           "-token vocabulary, " + std::to_string(seq) + "-token sequences";
}

// The largest value in [1, hi] for which fits(b) holds, or 0 (fits is monotone).
int64_t largest_fitting(int64_t hi, const auto & fits) {
    int64_t lo = 0;  // fits(lo) or lo == 0
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        if (fits(mid)) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

}  // namespace

double PpoMemoryEstimate::peak() const { return weights + std::max({rollout, scoring, training}) + full_kl; }

double gpt2_parameter_count(const Gpt2Config & m) {
    const double V = static_cast<double>(m.vocab_size), P = static_cast<double>(m.n_positions);
    const double C = static_cast<double>(m.n_embd), I = static_cast<double>(m.mlp_width());
    const double per_layer = (C * 3 * C + 3 * C) + (C * C + C) + (C * I + I) + (I * C + C) + 4 * C;
    const double lm_head = m.tie_word_embeddings ? 0 : V * C;
    return V * C + P * C + static_cast<double>(m.n_layer) * per_layer + 2 * C + lm_head + (C + 1);
}

double lora_parameter_count(const Gpt2Config & m, const LoraConfig & lora) {
    if (!lora.enabled()) return 0;
    const double C = static_cast<double>(m.n_embd), I = static_cast<double>(m.mlp_width());
    double count = 0;
    for (const auto & name : lora_site_names(m.n_layer)) {
        if (!lora_site_targeted(name, lora.targets)) continue;
        // in + out of the projection: A is [r, in], B [out, r].
        const double in_plus_out = name.ends_with("c_attn") ? 4 * C : name.ends_with("attn.c_proj") ? 2 * C : C + I;
        count += static_cast<double>(lora.r) * in_plus_out;
    }
    return count;
}

PpoMemoryEstimate estimate_ppo_memory(const Gpt2Config & m, const PpoConfig & ppo) {
    const double B = static_cast<double>(ppo.batch_size), mb = static_cast<double>(std::min(ppo.mini_batch_size, ppo.batch_size));
    const double Q = static_cast<double>(ppo.query_max_tokens), R = static_cast<double>(ppo.max_new_tokens), S = Q + R;
    const double V = static_cast<double>(m.vocab_size), C = static_cast<double>(m.n_embd);
    const double I = static_cast<double>(m.mlp_width()), L = static_cast<double>(m.n_layer);
    PpoMemoryEstimate e;
    if (ppo.lora.enabled()) {
        // One copy of the base (also the reference); gradients and Adam's moments only
        // for the adapters and the value head.
        const double trained = lora_parameter_count(m, ppo.lora) + (C + 1);
        e.weights = (gpt2_parameter_count(m) + 4 * trained) * kFloat;
    } else {
        e.weights = 5 * gpt2_parameter_count(m) * kFloat;
    }
    e.rollout = rollout_bytes(m, B, Q, S);
    e.scoring = 3 * mb * R * V * kFloat;
    e.training = L * mb * S * (9 * C + 2 * I) * kFloat + 4 * mb * R * V * kFloat;
    if (ppo.kl_estimator == KlEstimator::Full) e.full_kl = 2 * B * R * V * kFloat;
    return e;
}

double estimate_summarize_memory(const Gpt2Config & m, int64_t batch, int64_t query_tokens, int64_t new_tokens) {
    const double Q = static_cast<double>(query_tokens);
    return gpt2_parameter_count(m) * kFloat + rollout_bytes(m, static_cast<double>(batch), Q, Q + static_cast<double>(new_tokens));
}

void check_ppo_memory(const Gpt2Config & m, const PpoConfig & ppo, uint64_t available_bytes, int ranks) {
    // Each rank holds the whole model and its share of every batch and mini-batch.
    ranks = std::max(1, ranks);
    PpoConfig share = ppo;
    share.batch_size = std::max<int64_t>(1, ppo.batch_size / ranks);
    share.mini_batch_size = std::max<int64_t>(1, ppo.mini_batch_size / ranks);
    const double need = estimate_ppo_memory(m, share).peak(), have = static_cast<double>(available_bytes);
    if (need <= have) return;
    const int64_t fits = largest_fitting(share.batch_size, [&](int64_t b) {
        PpoConfig smaller = share;
        smaller.batch_size = b;
        smaller.mini_batch_size = std::min(share.mini_batch_size, b);
        return estimate_ppo_memory(m, smaller).peak() <= have;
    });
    const std::string per_rank = ranks > 1 ? " on each of " + std::to_string(ranks) + " ranks" : "";
    const std::string advice = fits > 0 ? "use a smaller --batch-size / --mini-batch-size (about " + std::to_string(fits * ranks) +
                                              " rollouts per batch would fit" + (ranks > 1 ? ", " + std::to_string(fits) + " per rank" : "") + ")"
                                        : "even one rollout per batch does not fit: a smaller model, --query-max-tokens or -n";
    throw Error("a PPO step with --batch-size " + std::to_string(ppo.batch_size) + " --mini-batch-size " +
                std::to_string(ppo.mini_batch_size) + " needs about " + util::format_bytes(need) + " of memory" + per_rank +
                " (estimate; " + shape(m, ppo.query_max_tokens + ppo.max_new_tokens) + "), only " + util::format_bytes(have) +
                " is available" + (ranks > 1 ? " to each" : "") + ": " + advice);
}

void check_summarize_memory(const Gpt2Config & m, int64_t batch, int64_t query_tokens, int64_t new_tokens,
                            uint64_t available_bytes) {
    const double need = estimate_summarize_memory(m, batch, query_tokens, new_tokens), have = static_cast<double>(available_bytes);
    if (need <= have) return;
    const int64_t fits = largest_fitting(batch, [&](int64_t b) {
        return estimate_summarize_memory(m, b, query_tokens, new_tokens) <= have;
    });
    throw Error("summarising --batch-size " + std::to_string(batch) + " articles at once needs about " +
                util::format_bytes(need) + " of memory (estimate; " + shape(m, query_tokens + new_tokens) + "), only " +
                util::format_bytes(have) + " is available: " +
                (fits > 0 ? "use --batch-size " + std::to_string(fits) + " or less" : "use a smaller model or fewer tokens"));
}

}  // namespace ragppo::rl
