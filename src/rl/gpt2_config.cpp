#include "rl/gpt2_config.h"

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <type_traits>
#include <fstream>
#include <utility>
#include <sstream>

namespace ragppo::rl {

namespace {

// config.json writes null for "use the default" (n_inner), so a null value
// keeps the default just like a missing key.
template <typename T>
void read_if_set(const nlohmann::json & j, const char * key, T & field) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        // nlohmann converts a number to an integer type with a plain cast: 1e43 or -1 into
        // a size would be undefined behaviour (found by fuzz/fuzz_gpt2_config.cpp).
        const bool whole = it->is_number_integer() ||
                           (it->is_number_float() && std::isfinite(it->get<double>()) &&
                            std::trunc(it->get<double>()) == it->get<double>());
        const double v = whole ? it->get<double>() : 0;
        if (!whole || v < static_cast<double>(std::numeric_limits<T>::min()) ||
            v >= std::ldexp(1.0, std::numeric_limits<T>::digits)) {
            throw Error(std::string(key) + " " + it->dump() + " is not a whole number in range");
        }
        field = it->is_number_integer() ? static_cast<T>(it->get<int64_t>()) : static_cast<T>(v);
    } else {
        field = it->get<T>();
    }
}

bool flag(const nlohmann::json & j, const char * key) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

Gpt2Config parse_gpt2_config(const std::string & json_text, const std::string & where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception & e) {
        throw Error(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw Error(where + ": expected a JSON object of GPT-2 settings");
    const auto mt = j.find("model_type");
    const std::string model_type = mt != j.end() && mt->is_string() ? mt->get<std::string>() : std::string{};
    if (model_type != "gpt2")
        throw Error(where + ": model_type is '" + model_type + "', expected a GPT-2 checkpoint ('gpt2')");
    if (flag(j, "add_cross_attention")) throw Error(where + ": GPT-2 with cross-attention is not supported");
    if (flag(j, "reorder_and_upcast_attn")) throw Error(where + ": reorder_and_upcast_attn is not supported");

    Gpt2Config c;
    try {
        read_if_set(j, "vocab_size", c.vocab_size);
        read_if_set(j, "n_positions", c.n_positions);
        read_if_set(j, "n_embd", c.n_embd);
        read_if_set(j, "n_layer", c.n_layer);
        read_if_set(j, "n_head", c.n_head);
        read_if_set(j, "n_inner", c.n_inner);
        read_if_set(j, "layer_norm_epsilon", c.layer_norm_epsilon);
        read_if_set(j, "activation_function", c.activation_function);
        read_if_set(j, "embd_pdrop", c.embd_pdrop);
        read_if_set(j, "attn_pdrop", c.attn_pdrop);
        read_if_set(j, "resid_pdrop", c.resid_pdrop);
        read_if_set(j, "scale_attn_weights", c.scale_attn_weights);
        read_if_set(j, "scale_attn_by_inverse_layer_idx", c.scale_attn_by_inverse_layer_idx);
        read_if_set(j, "tie_word_embeddings", c.tie_word_embeddings);
        read_if_set(j, "summary_dropout_prob", c.summary_dropout_prob);
    } catch (const nlohmann::json::exception & e) {
        throw Error(where + ": a field has the wrong type (" + e.what() + ")");
    } catch (const Error & e) {
        throw Error(where + ": " + e.what());
    }

    if (c.vocab_size <= 0 || c.n_positions <= 0 || c.n_embd <= 0 || c.n_layer <= 0 || c.n_head <= 0)
        throw Error(where + ": vocab_size, n_positions, n_embd, n_layer and n_head must be positive");
    // Out-of-range values are refused here, in one line, rather than reaching libtorch
    // as a multi-terabyte allocation or a NaN-making layer norm (its stack trace).
    auto at_most = [&](const char * key, int64_t v, int64_t hi) {
        if (v > hi) throw Error(where + ": " + key + " " + std::to_string(v) + " is larger than " + std::to_string(hi));
    };
    at_most("vocab_size", c.vocab_size, int64_t{1} << 22);
    at_most("n_positions", c.n_positions, int64_t{1} << 20);
    at_most("n_embd", c.n_embd, int64_t{1} << 16);
    at_most("n_layer", c.n_layer, 1024);
    at_most("n_inner", c.n_inner, int64_t{1} << 18);
    if (c.n_inner < 0) throw Error(where + ": n_inner " + std::to_string(c.n_inner) + " is negative (null = 4 * n_embd)");
    if (!(c.layer_norm_epsilon > 0) || !std::isfinite(c.layer_norm_epsilon))
        throw Error(where + ": layer_norm_epsilon must be a positive number");
    for (const auto & [key, p] : {std::pair<const char *, double>{"embd_pdrop", c.embd_pdrop}, {"attn_pdrop", c.attn_pdrop},
                                  {"resid_pdrop", c.resid_pdrop}, {"summary_dropout_prob", c.summary_dropout_prob}}) {
        if (!(p >= 0 && p < 1)) throw Error(where + ": " + key + " must be in [0, 1)");
    }
    if (c.n_embd % c.n_head != 0)
        throw Error(where + ": n_embd " + std::to_string(c.n_embd) + " is not a multiple of n_head " +
                    std::to_string(c.n_head));
    const auto & act = c.activation_function;
    if (act != "gelu_new" && act != "gelu_pytorch_tanh" && act != "gelu" && act != "relu")
        throw Error(where + ": activation_function '" + act + "' is not supported (gelu_new, gelu, relu)");
    return c;
}

Gpt2Config read_gpt2_config(const std::filesystem::path & dir) {
    const auto path = dir / "config.json";
    std::ifstream in(path);
    if (!in) throw Error("no config.json in " + dir.string() + ": not a Hugging Face model directory");
    std::stringstream text;
    text << in.rdbuf();
    return parse_gpt2_config(text.str(), path.string());
}

}  // namespace ragppo::rl
