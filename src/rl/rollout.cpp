#include "rl/rollout.h"

#include "rl/kv_cache.h"
#include "rl/mixed_precision.h"
#include "rl/padding.h"
#include "ragppo.h"

#include <limits>
#include <numeric>
#include <optional>

namespace ragppo::rl {

namespace {

void check_queries(const std::vector<std::vector<int32_t>> & queries, const RolloutParams & params,
                   const Gpt2Config & config) {
    if (params.max_new_tokens < 1) throw Error("rollout: max_new_tokens must be at least 1");
    for (auto id : {params.eos_id, params.pad_id})
        if (id < 0 || id >= config.vocab_size)
            throw Error("rollout: eos/pad id " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(config.vocab_size));
    for (size_t i = 0; i < queries.size(); ++i) {
        const auto & q = queries[i];
        if (q.empty()) throw Error("rollout: query " + std::to_string(i) + " is empty");
        for (auto id : q)
            if (id < 0 || id >= config.vocab_size)
                throw Error("rollout: query " + std::to_string(i) + " has token id " + std::to_string(id) +
                            " outside the vocabulary of " + std::to_string(config.vocab_size));
        if (static_cast<int64_t>(q.size()) + params.max_new_tokens > config.n_positions)
            throw Error("rollout: query " + std::to_string(i) + " has " + std::to_string(q.size()) + " tokens; with " +
                        std::to_string(params.max_new_tokens) + " new ones that exceeds the model's " +
                        std::to_string(config.n_positions) + " positions (truncate queries to " +
                        std::to_string(config.n_positions - params.max_new_tokens) + ")");
    }
}

// Puts the policy in the mode a rollout asks for and back afterwards.
class TrainingModeGuard {
public:
    TrainingModeGuard(torch::nn::Module & m, bool train) : m_(m), was_(m.is_training()) { m_.train(train); }
    ~TrainingModeGuard() { m_.train(was_); }

private:
    torch::nn::Module & m_;
    bool was_;
};

// The logits with EOS removed (-inf), as transformers' MinNewTokensLengthLogitsProcessor.
torch::Tensor without_eos(const torch::Tensor & logits, int64_t eos_id) {
    return logits.index_fill(-1, torch::tensor({eos_id}, torch::kInt64).to(logits.device()),
                             -std::numeric_limits<float>::infinity());
}

}  // namespace

std::vector<RolloutSequence> rollout(Gpt2PolicyImpl & policy, const std::vector<std::vector<int32_t>> & queries,
                                     const RolloutParams & params, torch::Generator & rng) {
    check_queries(queries, params, policy.config());
    std::vector<RolloutSequence> out(queries.size());
    if (queries.empty()) return out;

    TrainingModeGuard mode(policy, params.dropout);
    // Autocast caches its bf16 weight copies only outside inference mode, so a
    // bf16 rollout runs under NoGradGuard (else every decode step casts the weights again).
    std::optional<c10::InferenceMode> inference;
    std::optional<torch::NoGradGuard> no_grad;
    if (params.bf16) no_grad.emplace();
    else inference.emplace();
    CacheFrozenWeightCasts frozen(policy, params.bf16);   // a LoRA policy's base
    AutocastScope precision(policy.device(), params.bf16);  // no weight update inside: one region

    // Prefill: read every query once, filling the cache.
    auto batch = left_pad(queries, params.pad_id, policy.device());
    KvCache cache(policy.config().n_layer, batch.ids.size(1) + params.max_new_tokens);
    auto mask = batch.mask;
    auto hidden = policy.transformer(batch.ids, mask, torch::Tensor(), &cache);
    auto logits = policy.lm_logits(hidden.select(1, -1));  // [B, V], only the last position

    // active[r]: which query batch row r continues. Finished rows leave the batch.
    std::vector<int64_t> active(queries.size());
    std::iota(active.begin(), active.end(), 0);
    for (int64_t step = 0;; ++step) {
        // Below the minimum length EOS cannot be drawn; the log-probs below stay
        // those of the unmasked distribution.
        const auto next = pick_next_tokens(step < params.min_new_tokens ? without_eos(logits, params.eos_id) : logits,
                                           params.sampler, rng);
        const auto next_cpu = next.to(torch::kCPU);
        const auto tokens_of = next_cpu.accessor<int64_t, 1>();
        torch::Tensor logp_cpu;
        if (params.return_logprobs)
            logp_cpu = logits.to(torch::kFloat32).log_softmax(-1).gather(-1, next.unsqueeze(-1)).squeeze(-1).to(torch::kCPU);

        std::vector<int64_t> still_active, kept_rows;
        for (size_t r = 0; r < active.size(); ++r) {
            auto & seq = out[active[r]];
            const int64_t token = tokens_of[r];
            seq.response.push_back(static_cast<int32_t>(token));
            if (params.return_logprobs) seq.logprobs.push_back(logp_cpu[r].item<float>());
            if (token == params.eos_id) continue;
            if (step + 1 == params.max_new_tokens) {
                seq.truncated = true;
                continue;
            }
            still_active.push_back(active[r]);
            kept_rows.push_back(static_cast<int64_t>(r));
        }
        if (still_active.empty()) break;

        auto tokens = next;
        if (still_active.size() != active.size()) {
            const auto rows = torch::tensor(kept_rows, torch::kInt64).to(mask.device());
            cache.keep_rows(rows);
            mask = mask.index_select(0, rows);
            tokens = tokens.index_select(0, rows);
            active = std::move(still_active);
        }

        // Decode: one new real token per row; positions follow from the mask.
        mask = torch::cat({mask, torch::ones({mask.size(0), 1}, mask.options())}, 1);
        hidden = policy.transformer(tokens.unsqueeze(1), mask, torch::Tensor(), &cache);
        logits = policy.lm_logits(hidden.select(1, -1));
    }
    return out;
}

}  // namespace ragppo::rl
