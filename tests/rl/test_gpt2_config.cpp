// rl/gpt2_config: a config.json with values out of range is a one-line error before
// any tensor is allocated (not a libtorch stack trace or an allocation that never
// ends): a negative n_inner, a 2^40 vocabulary, a zero or negative layer-norm epsilon,
// a dropout of 1 or more.
#include "rl/gpt2_config.h"
#include "support/files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace ragppo;

namespace {

std::string config_with(const char * key, const nlohmann::json & value) {
    nlohmann::json j = {{"model_type", "gpt2"}, {"vocab_size", 50257}, {"n_positions", 1024}, {"n_embd", 64},
                        {"n_layer", 2},         {"n_head", 4},          {"n_inner", nullptr}};
    j[key] = value;
    return j.dump();
}

}  // namespace

TEST(Gpt2Config, OutOfRangeValuesAreOneLineErrors) {
    const std::vector<std::tuple<const char *, nlohmann::json, const char *>> cases = {
        {"n_inner", -5, "n_inner -5 is negative"},
        {"vocab_size", int64_t{1} << 40, "vocab_size 1099511627776 is larger than"},
        {"n_positions", int64_t{1} << 30, "n_positions 1073741824 is larger than"},
        {"n_layer", 100000, "n_layer 100000 is larger than"},
        {"layer_norm_epsilon", -1e-5, "layer_norm_epsilon must be a positive number"},
        {"layer_norm_epsilon", 0, "layer_norm_epsilon must be a positive number"},
        {"attn_pdrop", 1.0, "attn_pdrop must be in [0, 1)"},
        {"resid_pdrop", -0.1, "resid_pdrop must be in [0, 1)"},
    };
    for (const auto & [key, value, needle] : cases) {
        const std::string err = test::error_of([&] { rl::parse_gpt2_config(config_with(key, value)); });
        EXPECT_NE(err.find(needle), std::string::npos) << key << " = " << value.dump() << ": " << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    // The defaults and a null n_inner (4 * n_embd) are fine.
    const auto c = rl::parse_gpt2_config(config_with("n_inner", nullptr));
    EXPECT_EQ(c.mlp_width(), 256);
}
