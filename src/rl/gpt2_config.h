// The hyper-parameters of a GPT-2 checkpoint, read from Hugging Face's
// config.json (GPT2Config). Field names and defaults are GPT2Config's.
#pragma once

#include <filesystem>
#include <string>

namespace ragppo::rl {

struct Gpt2Config {
    int64_t vocab_size = 50257;  // the reference policy has 50,260 (three added tokens)
    int64_t n_positions = 1024;  // longest sequence (query + response) the model can read
    int64_t n_embd = 768;
    int64_t n_layer = 12;
    int64_t n_head = 12;
    int64_t n_inner = 0;  // MLP width; 0 = 4 * n_embd (config.json's null)
    double layer_norm_epsilon = 1e-5;
    std::string activation_function = "gelu_new";  // "gelu_new" / "gelu_pytorch_tanh" (tanh), "gelu", "relu"
    double embd_pdrop = 0.1;   // dropout after token + position embeddings
    double attn_pdrop = 0.1;   // dropout on the attention probabilities
    double resid_pdrop = 0.1;  // dropout before each residual add
    bool scale_attn_weights = true;                // scores / sqrt(head_dim)
    bool scale_attn_by_inverse_layer_idx = false;  // scores / (layer + 1) as well
    bool tie_word_embeddings = true;               // lm_head shares wte
    // TRL's ValueHead reads config.summary_dropout_prob when a config has one
    // (GPT2Config does not), else uses 0.1.
    double summary_dropout_prob = 0.1;

    int64_t head_dim() const { return n_embd / n_head; }
    int64_t mlp_width() const { return n_inner > 0 ? n_inner : 4 * n_embd; }
};

// Reads `dir`/config.json. Throws ragppo::Error (one line) when the file is
// missing, is not a GPT-2 config (model_type), or asks for something this
// implementation does not do (cross-attention, upcast attention reordering).
Gpt2Config read_gpt2_config(const std::filesystem::path & dir);

// The same, from the JSON text (for tests and for configs not on disk).
Gpt2Config parse_gpt2_config(const std::string & json_text, const std::string & where = "config.json");

}  // namespace ragppo::rl
