#include "rl/ppo_math.h"

#include <stdexcept>
#include <string>

namespace ragppo::rl {

namespace {

torch::Tensor as_mask_of(const torch::Tensor & mask, const torch::Tensor & like) { return mask.to(like.scalar_type()); }

void require_same_shape(const torch::Tensor & a, const torch::Tensor & b, const char * what) {
    if (a.sizes() != b.sizes()) {
        throw std::invalid_argument(std::string(what) + ": shape mismatch " + c10::str(a.sizes()) + " vs " +
                                    c10::str(b.sizes()));
    }
}

}  // namespace

std::optional<KlEstimator> parse_kl_estimator(std::string_view name) {
    if (name == "kl" || name == "k1") return KlEstimator::K1;
    if (name == "abs") return KlEstimator::Abs;
    if (name == "mse" || name == "k2") return KlEstimator::Mse;
    if (name == "full") return KlEstimator::Full;
    if (name == "k3") return KlEstimator::K3;
    return std::nullopt;
}

std::string_view kl_estimator_name(KlEstimator e) {
    switch (e) {
        case KlEstimator::K1: return "kl";
        case KlEstimator::Abs: return "abs";
        case KlEstimator::Mse: return "mse";
        case KlEstimator::Full: return "full";
        case KlEstimator::K3: return "k3";
    }
    return "?";
}

// TRL core.logprobs_from_logits(logits, labels, gather=True).
torch::Tensor logprobs_from_logits(const torch::Tensor & logits, const torch::Tensor & labels) {
    return torch::log_softmax(logits, 2).gather(2, labels.unsqueeze(2)).squeeze(-1);
}

// TRL core.logprobs_from_logits(logits, None, gather=False).
torch::Tensor log_softmax_full(const torch::Tensor & logits) { return torch::log_softmax(logits, 2); }

// TRL core.entropy_from_logits.
torch::Tensor entropy_from_logits(const torch::Tensor & logits) {
    const auto pd = torch::softmax(logits, -1);
    return torch::logsumexp(logits, {-1}) - (pd * logits).sum(-1);
}

// TRL core.masked_mean.
torch::Tensor masked_mean(const torch::Tensor & values, const torch::Tensor & mask, std::optional<int64_t> dim) {
    const auto m = as_mask_of(mask, values);
    if (dim) return (values * m).sum(*dim) / m.sum(*dim);
    return (values * m).sum() / m.sum();
}

// TRL core.masked_var, except for n == 1 (see the header).
torch::Tensor masked_var(const torch::Tensor & values, const torch::Tensor & mask, bool unbiased) {
    const auto m = as_mask_of(mask, values);
    const auto mean = masked_mean(values, m);
    const auto centered = values - mean;
    auto variance = masked_mean(centered * centered, m);
    if (unbiased) {
        const auto n = m.sum();
        const double n_value = n.item<double>();
        if (n_value == 0) {
            throw std::invalid_argument("masked_var: the mask is empty (no response token in the mini-batch)");
        }
        if (n_value > 1) variance = variance * (n / (n - 1));  // Bessel's correction
    }
    return variance;
}

// TRL core.masked_whiten.
torch::Tensor masked_whiten(const torch::Tensor & values, const torch::Tensor & mask, bool shift_mean) {
    const auto mean = masked_mean(values, mask);
    const auto var = masked_var(values, mask);
    auto whitened = (values - mean) * torch::rsqrt(var + 1e-8);
    if (!shift_mean) whitened = whitened + mean;
    return whitened;
}

// TRL core.clip_by_value.
torch::Tensor clip_by_value(const torch::Tensor & x, const torch::Tensor & lo, const torch::Tensor & hi) {
    return torch::max(torch::min(x, hi), lo);
}

// TRL PPOTrainer._kl_penalty ("kl", "abs", "mse", "full") plus K3.
torch::Tensor kl_penalty(const torch::Tensor & logprob, const torch::Tensor & ref_logprob, KlEstimator estimator) {
    require_same_shape(logprob, ref_logprob, "kl_penalty");
    switch (estimator) {
        case KlEstimator::K1: return logprob - ref_logprob;
        case KlEstimator::Abs: return (logprob - ref_logprob).abs();
        case KlEstimator::Mse: return 0.5 * (logprob - ref_logprob).square();
        case KlEstimator::Full:
            // F.kl_div(ref, logp, log_target=True, reduction="none").sum(-1)
            // = sum_v exp(logp) * (logp - ref): KL(policy || reference) per position.
            if (logprob.dim() != 3) {
                throw std::invalid_argument("kl_penalty: the full estimator needs [B, T, V] log-softmax tensors");
            }
            return (logprob.exp() * (logprob - ref_logprob)).sum(-1);
        case KlEstimator::K3: {
            const auto d = ref_logprob - logprob;  // log r
            return (torch::expm1(d) - d).clamp_min(0.0);
        }
    }
    throw std::invalid_argument("kl_penalty: unknown estimator");
}

torch::Tensor last_true_index(const torch::Tensor & mask) {
    if (mask.dim() != 2) throw std::invalid_argument("last_true_index: the mask must be [B, T]");
    const auto nonzero = mask != 0;
    if (!nonzero.any(1).all().item<bool>()) {
        throw std::invalid_argument("last_true_index: a row has no response token");
    }
    // Masked positions keep their index, the others become -1; the row maximum is the last masked one.
    const auto positions = torch::arange(mask.size(1), torch::TensorOptions().dtype(torch::kLong).device(mask.device()));
    return torch::where(nonzero, positions.unsqueeze(0), torch::full({}, -1, positions.options())).amax(1);
}

}  // namespace ragppo::rl
