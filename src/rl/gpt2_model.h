// GPT-2 (Radford et al. 2019) as Hugging Face's GPT2LMHeadModel computes it,
// plus TRL's value head (AutoModelForCausalLMWithValueHead), as libtorch modules.
//
// Submodules carry HF's names, so named_parameters() reads
// "transformer.h.0.attn.c_attn.weight", ..., "v_head.summary.weight" and a
// checkpoint loads by name (gpt2_load.h). Linear weights are [out, in]; HF's
// Conv1D stores [in, out] and the loader transposes.
//
// Dropout follows the module's train()/eval() mode and nothing else does:
// eval() is "dropout off", which is our default for rollouts and PPO passes.
#pragma once

#include "rl/gpt2_config.h"
#include "rl/kv_cache.h"

#include <torch/torch.h>

namespace ragppo::rl {

// A LoRA adapter beside one projection y = W x + b (rl/lora.h attaches them):
// its forward is the low-rank update scaling * B(A(dropout(x))), in that order
// of operations, as PEFT's lora.Linear adds it. Switched off, the projection
// computes W x + b alone (the KL reference of a LoRA run).
class LoraAdapterImpl : public torch::nn::Module {
public:
    LoraAdapterImpl(int64_t in, int64_t out, int64_t r, double scaling, double dropout);
    torch::Tensor forward(const torch::Tensor & x);

    torch::nn::Linear lora_A{nullptr};  // in -> r, no bias; PEFT's init (nn.Linear's kaiming uniform)
    torch::nn::Linear lora_B{nullptr};  // r -> out, no bias; zero, so a new adapter changes nothing
    torch::nn::Dropout dropout{nullptr};
    double scaling;
    bool enabled = true;
};
TORCH_MODULE(LoraAdapter);

// Multi-head causal self-attention; q, k and v come from one Linear (c_attn).
class CausalSelfAttentionImpl : public torch::nn::Module {
public:
    CausalSelfAttentionImpl(const Gpt2Config & config, int64_t layer);
    // x [B, T, C]; allowed [B, 1, T, S] from attention_allowed(); the cache, when
    // given, holds the S - T earlier tokens and receives these T.
    torch::Tensor forward(const torch::Tensor & x, const torch::Tensor & allowed, KvCache * cache);

    torch::nn::Linear c_attn{nullptr};  // C -> 3C: q, k, v side by side
    torch::nn::Linear c_proj{nullptr};  // C -> C: heads back into the residual stream
    torch::nn::Dropout resid_dropout{nullptr};
    LoraAdapter lora_c_attn{nullptr}, lora_c_proj{nullptr};  // set by apply_lora (rl/lora.h)

private:
    int64_t layer_, n_head_;
    double scale_, attn_pdrop_;
};
TORCH_MODULE(CausalSelfAttention);

// The position-wise feed-forward network: C -> 4C -> activation -> C.
class MlpImpl : public torch::nn::Module {
public:
    explicit MlpImpl(const Gpt2Config & config);
    torch::Tensor forward(const torch::Tensor & x);

    torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};
    torch::nn::Dropout dropout{nullptr};
    LoraAdapter lora_c_fc{nullptr}, lora_c_proj{nullptr};  // set by apply_lora (rl/lora.h)

private:
    std::string activation_;
};
TORCH_MODULE(Mlp);

// One transformer block, pre-LayerNorm: x + attn(ln_1(x)), then + mlp(ln_2(x)).
class BlockImpl : public torch::nn::Module {
public:
    BlockImpl(const Gpt2Config & config, int64_t layer);
    torch::Tensor forward(const torch::Tensor & x, const torch::Tensor & allowed, KvCache * cache);

    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    CausalSelfAttention attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// HF's GPT2Model: embeddings, the blocks, the final LayerNorm.
class Gpt2ModelImpl : public torch::nn::Module {
public:
    explicit Gpt2ModelImpl(const Gpt2Config & config);

    // input_ids [B, T] int64. attention_mask [B, S] (1 real, 0 padding) covers
    // the cached tokens and these, S = cache length + T; undefined = all real.
    // position_ids [B, T]; undefined = positions_from_mask(attention_mask) for
    // these T tokens. Returns the last hidden state [B, T, C] (after ln_f).
    torch::Tensor forward(const torch::Tensor & input_ids, const torch::Tensor & attention_mask = {},
                          const torch::Tensor & position_ids = {}, KvCache * cache = nullptr);

    torch::nn::Embedding wte{nullptr};  // token embeddings, [V, C]; also the LM head when tied
    torch::nn::Embedding wpe{nullptr};  // position embeddings, [n_positions, C]
    torch::nn::Dropout drop{nullptr};
    torch::nn::ModuleList h{nullptr};
    torch::nn::LayerNorm ln_f{nullptr};

private:
    Gpt2Config config_;
    std::vector<Block> blocks_;  // the same modules as h, typed
};
TORCH_MODULE(Gpt2Model);

// TRL's ValueHead: dropout (summary_dropout_prob), then Linear(C, 1), per token.
class ValueHeadImpl : public torch::nn::Module {
public:
    explicit ValueHeadImpl(const Gpt2Config & config);
    torch::Tensor forward(const torch::Tensor & hidden);  // [B, T, C] -> [B, T]

    torch::nn::Dropout dropout{nullptr};
    torch::nn::Linear summary{nullptr};
};
TORCH_MODULE(ValueHead);

struct Gpt2Output {
    torch::Tensor logits;  // [B, T, V]
    torch::Tensor values;  // [B, T], the value head on each position
    torch::Tensor hidden;  // [B, T, C], the last hidden state both heads read
};

// The PPO policy: GPT2LMHeadModel (lm_head tied to wte unless the config unties
// it) plus the value head. Also used, frozen, as the KL reference model.
class Gpt2PolicyImpl : public torch::nn::Module {
public:
    explicit Gpt2PolicyImpl(const Gpt2Config & config);

    // Arguments as Gpt2ModelImpl::forward.
    Gpt2Output forward(const torch::Tensor & input_ids, const torch::Tensor & attention_mask = {},
                       const torch::Tensor & position_ids = {}, KvCache * cache = nullptr);

    // The heads on any slice of hidden states [..., C]: callers that need only
    // some positions (the last one while sampling, the response in PPO) project
    // only those onto the 50k vocabulary.
    torch::Tensor lm_logits(const torch::Tensor & hidden);  // [..., V]
    static constexpr int64_t kFewRows = 8;  // up to this many positions: the decode-shaped matmul
    torch::Tensor values(const torch::Tensor & hidden);     // [...]

    const Gpt2Config & config() const { return config_; }
    torch::Device device() const;

    Gpt2Model transformer{nullptr};
    ValueHead v_head{nullptr};
    torch::nn::Linear lm_head{nullptr};  // only when tie_word_embeddings is false

private:
    Gpt2Config config_;
};
TORCH_MODULE(Gpt2Policy);

// The frozen reference model of full fine-tuning: a deep copy of `policy`'s parameters on the same
// device and dtype, requires_grad false, in eval mode (no dropout).
Gpt2Policy frozen_copy(Gpt2PolicyImpl & policy);

}  // namespace ragppo::rl
