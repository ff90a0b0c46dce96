// rl/gpt2_load: a checkpoint whose weights hold NaN or Inf is refused at load with a
// one-line error naming the tensor, instead of a libtorch stack trace when the first
// rollout samples from NaN probabilities.
#include "gpt2_fixtures.h"
#include "rl/gpt2_load.h"
#include "support/files.h"

#include <gtest/gtest.h>

#include <limits>

using namespace ragppo;
using namespace ragppo::rl;

TEST(Gpt2Weights, NanOrInfWeightsAreRefusedNamingTheTensor) {
    test::use_one_torch_thread();
    const auto dir = test::fixture("ppo_tiny_lm");
    const auto config = read_gpt2_config(dir);
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        auto tensors = read_checkpoint_tensors(dir);
        std::string name;
        for (auto & [key, t] : tensors) {
            if (key.find("h.0.mlp.c_fc.weight") != std::string::npos) {
                t = t.clone();
                t.view(-1)[7] = bad;
                name = key;
            }
        }
        ASSERT_FALSE(name.empty());
        Gpt2Policy policy(config);
        const std::string err = test::error_of([&] { load_gpt2_weights(*policy, tensors, dir); });
        EXPECT_NE(err.find("holds NaN or infinite values"), std::string::npos) << err;
        EXPECT_NE(err.find("h.0.mlp.c_fc.weight"), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    // The fixture itself loads.
    EXPECT_NO_THROW(load_gpt2_policy(dir));
}
