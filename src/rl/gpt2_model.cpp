// The GPT-2 forward pass, top to bottom: embeddings -> n_layer blocks -> ln_f ->
// heads. Shapes: B batch, T new tokens, S all tokens (cached + new), C n_embd,
// H heads of D = C / H, V vocabulary.
#include "rl/gpt2_model.h"

#include "rl/mixed_precision.h"
#include "rl/padding.h"
#include "ragppo.h"

#include <ATen/autocast_mode.h>

#include <cmath>
#include <optional>

namespace ragppo::rl {

namespace nn = torch::nn;

namespace {

// The ATen linear op on the module's own parameters. torch::nn::Linear's forward
// hands matmul a transposed view of the weight, which BF16 autocast cannot cache,
// so every decode step would cast every weight to bf16 again.
torch::Tensor project(const nn::Linear & layer, const torch::Tensor & x) {
    return torch::linear(x, layer->weight, layer->bias);
}

// A projection with its LoRA adapter, when it has one switched on.
torch::Tensor project(const nn::Linear & layer, LoraAdapter & lora, const torch::Tensor & x) {
    auto y = project(layer, x);
    return lora && lora->enabled ? y + lora->forward(x) : y;
}

}  // namespace

// ---------------------------------------------------------------- LoRA adapter

LoraAdapterImpl::LoraAdapterImpl(int64_t in, int64_t out, int64_t r, double scaling_, double p) : scaling(scaling_) {
    lora_A = register_module("lora_A", nn::Linear(nn::LinearOptions(in, r).bias(false)));
    lora_B = register_module("lora_B", nn::Linear(nn::LinearOptions(r, out).bias(false)));
    dropout = register_module("dropout", nn::Dropout(p));
    torch::NoGradGuard no_grad;
    lora_B->weight.zero_();
}

torch::Tensor LoraAdapterImpl::forward(const torch::Tensor & x) {
    return project(lora_B, project(lora_A, dropout(x))) * scaling;
}

// ---------------------------------------------------------------- attention

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const Gpt2Config & c, int64_t layer)
    : layer_(layer), n_head_(c.n_head), attn_pdrop_(c.attn_pdrop) {
    c_attn = register_module("c_attn", nn::Linear(c.n_embd, 3 * c.n_embd));
    c_proj = register_module("c_proj", nn::Linear(c.n_embd, c.n_embd));
    resid_dropout = register_module("resid_dropout", nn::Dropout(c.resid_pdrop));
    // HF GPT2Attention: scores / sqrt(D) (scale_attn_weights), and / (layer + 1)
    // on top with scale_attn_by_inverse_layer_idx.
    scale_ = c.scale_attn_weights ? 1.0 / std::sqrt(static_cast<double>(c.head_dim())) : 1.0;
    if (c.scale_attn_by_inverse_layer_idx) scale_ /= static_cast<double>(layer + 1);
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor & x, const torch::Tensor & allowed,
                                               KvCache * cache) {
    const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / n_head_;
    // q, k, v for all heads in one matmul, then [B, T, C] -> [B, H, T, D] each.
    const auto qkv = project(c_attn, lora_c_attn, x).split(C, /*dim=*/2);
    auto heads = [&](const torch::Tensor & t) { return t.view({B, T, n_head_, D}).transpose(1, 2); };
    auto q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);
    // Under BF16 autocast a KV cache still holds fp32 and one new token attends in
    // fp32: libtorch's CPU flash kernel is several times slower on a single bf16
    // query row than on an fp32 one, and decoding reads the whole cache per token.
    const auto where = x.device().type();
    const bool bf16_cache = cache && at::autocast::is_autocast_enabled(where) &&
                            at::autocast::get_autocast_dtype(where) == torch::kBFloat16;
    if (bf16_cache) {
        k = k.to(torch::kFloat32);
        v = v.to(torch::kFloat32);
    }
    // With a cache the new queries also attend to every earlier token's k, v.
    if (cache) std::tie(k, v) = cache->append(layer_, k, v);

    // softmax(q k^T * scale, masked) v, with dropout on the probabilities (HF's attn_dropout).
    std::optional<AutocastScope> fp32;
    if (bf16_cache && T == 1) {
        fp32.emplace(x.device(), false);
        q = q.to(torch::kFloat32);
    }
    auto y = torch::scaled_dot_product_attention(q, k, v, allowed, is_training() ? attn_pdrop_ : 0.0,
                                                 /*is_causal=*/false, scale_);
    fp32.reset();
    y = y.transpose(1, 2).contiguous().view({B, T, C});  // heads side by side again
    return resid_dropout(project(c_proj, lora_c_proj, y));
}

// ---------------------------------------------------------------- MLP

MlpImpl::MlpImpl(const Gpt2Config & c) : activation_(c.activation_function) {
    c_fc = register_module("c_fc", nn::Linear(c.n_embd, c.mlp_width()));
    c_proj = register_module("c_proj", nn::Linear(c.mlp_width(), c.n_embd));
    dropout = register_module("dropout", nn::Dropout(c.resid_pdrop));
}

torch::Tensor MlpImpl::forward(const torch::Tensor & x) {
    auto a = project(c_fc, lora_c_fc, x);
    if (activation_ == "gelu") a = torch::gelu(a);
    else if (activation_ == "relu") a = torch::relu(a);
    else a = torch::gelu(a, "tanh");  // gelu_new: 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))
    return dropout(project(c_proj, lora_c_proj, a));
}

// ---------------------------------------------------------------- block

BlockImpl::BlockImpl(const Gpt2Config & c, int64_t layer) {
    const auto ln = nn::LayerNormOptions({c.n_embd}).eps(c.layer_norm_epsilon);
    ln_1 = register_module("ln_1", nn::LayerNorm(ln));
    attn = register_module("attn", CausalSelfAttention(c, layer));
    ln_2 = register_module("ln_2", nn::LayerNorm(ln));
    mlp = register_module("mlp", Mlp(c));
}

torch::Tensor BlockImpl::forward(const torch::Tensor & x, const torch::Tensor & allowed, KvCache * cache) {
    auto h = x + attn(ln_1(x), allowed, cache);
    return h + mlp(ln_2(h));
}

// ---------------------------------------------------------------- GPT2Model

Gpt2ModelImpl::Gpt2ModelImpl(const Gpt2Config & c) : config_(c) {
    wte = register_module("wte", nn::Embedding(c.vocab_size, c.n_embd));
    wpe = register_module("wpe", nn::Embedding(c.n_positions, c.n_embd));
    drop = register_module("drop", nn::Dropout(c.embd_pdrop));
    h = register_module("h", nn::ModuleList());
    for (int64_t layer = 0; layer < c.n_layer; ++layer) {
        blocks_.push_back(Block(c, layer));
        h->push_back(blocks_.back());
    }
    ln_f = register_module("ln_f", nn::LayerNorm(nn::LayerNormOptions({c.n_embd}).eps(c.layer_norm_epsilon)));
}

namespace {

std::string shape_str(const torch::Tensor & t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

}  // namespace

torch::Tensor Gpt2ModelImpl::forward(const torch::Tensor & input_ids, const torch::Tensor & attention_mask,
                                     const torch::Tensor & position_ids, KvCache * cache) {
    if (input_ids.dim() != 2) throw Error("GPT-2 input_ids must be [batch, tokens], got " + shape_str(input_ids));
    const int64_t B = input_ids.size(0), T = input_ids.size(1);
    const int64_t past = cache ? cache->length() : 0;
    const int64_t S = past + T;

    auto key_mask = attention_mask.defined()
                        ? attention_mask
                        : torch::ones({B, S}, torch::TensorOptions().dtype(torch::kInt64).device(input_ids.device()));
    if (key_mask.dim() != 2 || key_mask.size(0) != B || key_mask.size(1) != S)
        throw Error("GPT-2 attention_mask must be [" + std::to_string(B) + ", " + std::to_string(S) +
                    "] (cached + new tokens), got " + shape_str(key_mask));

    torch::Tensor positions;
    if (position_ids.defined()) {
        if (position_ids.sizes() != input_ids.sizes())
            throw Error("GPT-2 position_ids must match input_ids " + shape_str(input_ids) + ", got " +
                        shape_str(position_ids));
        positions = position_ids;
        const int64_t last = positions.numel() > 0 ? positions.max().item<int64_t>() : 0;
        if (last >= config_.n_positions)
            throw Error("GPT-2 position " + std::to_string(last) + " is past the model's " +
                        std::to_string(config_.n_positions) + " positions");
    } else {
        // A row's positions never exceed S - 1, so S within n_positions is enough.
        if (S > config_.n_positions)
            throw Error("GPT-2 reads at most " + std::to_string(config_.n_positions) + " tokens, got " +
                        std::to_string(S));
        positions = positions_from_mask(key_mask).narrow(1, past, T);
    }

    auto x = drop(wte(input_ids) + wpe(positions));  // [B, T, C]
    const auto allowed = attention_allowed(key_mask, T);
    for (auto & block : blocks_) x = block(x, allowed, cache);
    if (cache) cache->advance(T);
    return ln_f(x);
}

// ---------------------------------------------------------------- value head

ValueHeadImpl::ValueHeadImpl(const Gpt2Config & c) {
    dropout = register_module("dropout", nn::Dropout(c.summary_dropout_prob));
    summary = register_module("summary", nn::Linear(c.n_embd, 1));
}

torch::Tensor ValueHeadImpl::forward(const torch::Tensor & hidden) {
    // TRL casts the hidden state to the head's dtype (kept in fp32 for stability);
    // under BF16 autocast the head stays fp32 too.
    AutocastScope fp32(hidden.device(), false);
    return project(summary, dropout(hidden).to(summary->weight.scalar_type())).squeeze(-1);
}

// ---------------------------------------------------------------- policy

Gpt2PolicyImpl::Gpt2PolicyImpl(const Gpt2Config & c) : config_(c) {
    transformer = register_module("transformer", Gpt2Model(c));
    if (!c.tie_word_embeddings)
        lm_head = register_module("lm_head", nn::Linear(nn::LinearOptions(c.n_embd, c.vocab_size).bias(false)));
    v_head = register_module("v_head", ValueHead(c));
}

torch::Tensor Gpt2PolicyImpl::lm_logits(const torch::Tensor & hidden) {
    // fp32 even under BF16 autocast: a bf16 logit of magnitude ~100 is off by ~0.4,
    // noise that would swamp PPO's log-prob ratios.
    AutocastScope fp32(hidden.device(), false);
    // Tied: the logits are the hidden state's dot product with every token embedding.
    const auto & weight = lm_head ? lm_head->weight : transformer->wte->weight;  // [V, C]
    const int64_t rows = hidden.numel() / std::max<int64_t>(hidden.size(-1), 1);
    if (rows > 0 && rows <= kFewRows) {
        // Sampling reads a few positions: as W h^T, MKL streams the [V, C] weight
        // once instead of packing it for every call (GPT-2, 4 rows: 10 ms vs 28 ms).
        auto sizes = hidden.sizes().vec();
        sizes.back() = weight.size(0);
        return torch::mm(weight, hidden.reshape({rows, hidden.size(-1)}).t()).t().contiguous().reshape(sizes);
    }
    return torch::nn::functional::linear(hidden, weight);
}

torch::Tensor Gpt2PolicyImpl::values(const torch::Tensor & hidden) { return v_head(hidden); }

Gpt2Output Gpt2PolicyImpl::forward(const torch::Tensor & input_ids, const torch::Tensor & attention_mask,
                                   const torch::Tensor & position_ids, KvCache * cache) {
    auto hidden = transformer(input_ids, attention_mask, position_ids, cache);
    return {lm_logits(hidden), values(hidden), hidden};
}

torch::Device Gpt2PolicyImpl::device() const { return transformer->wte->weight.device(); }

Gpt2Policy frozen_copy(Gpt2PolicyImpl & policy) {
    Gpt2Policy copy(policy.config());
    torch::NoGradGuard no_grad;
    const auto source = policy.named_parameters();
    for (auto & p : copy->named_parameters()) {
        p.value().set_data(source[p.key()].detach().clone());
        p.value().set_requires_grad(false);
    }
    copy->eval();
    return copy;
}

}  // namespace ragppo::rl
