// EmbedderParams::batch_tokens is bounded (kMaxEmbedBatchTokens, or the model's own
// max_tokens where larger): the batch's attention memory grows with its square, so a
// batch of 2^30 tokens is a one-line error, not an allocation failure inside llama.cpp.
#include "ragppo.h"
#include "support/files.h"

#include <gtest/gtest.h>

using namespace ragppo;

namespace {

std::string load_error(int batch_tokens, int max_tokens = 0) {
    return test::error_of([&] {
        EmbedderParams p;
        p.hub.offline = true;
        p.batch_tokens = batch_tokens;
        p.max_tokens = max_tokens;
        embedder_load(p);
    });
}

}  // namespace

TEST(EmbedderLimits, AHugeOrNegativeBatchIsAOneLineError) {
    const std::string huge = load_error(1 << 30);
    EXPECT_NE(huge.find("batch_tokens 1073741824 is too large: at most 8192"), std::string::npos) << huge;
    EXPECT_EQ(huge.find('\n'), std::string::npos);
    EXPECT_NE(load_error(-1).find("must be >= 0"), std::string::npos);
    EXPECT_NE(load_error(0, -5).find("must be >= 0"), std::string::npos);
    EXPECT_EQ(load_error(kMaxEmbedBatchTokens), "");  // the limit itself loads
}
