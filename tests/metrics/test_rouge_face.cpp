// The public metrics face (include/ragppo/metrics.h) on hand-checked cases; its
// parity with rouge_score is tests/metrics/test_rouge.cpp's (same function).
#include "ragppo/metrics.h"

#include <gtest/gtest.h>

TEST(RougeFace, HandCheckedScores) {
    // target "the cat sat on the mat" (6 tokens), prediction "the cat sat" (3):
    // ROUGE-1 overlap 3 -> precision 1, recall 1/2; ROUGE-2 overlap 2 of 2 and 5 bigrams.
    const auto s = ragppo::rouge("The cat sat on the mat.", "the cat sat");
    EXPECT_DOUBLE_EQ(s.rouge1.precision, 1.0);
    EXPECT_DOUBLE_EQ(s.rouge1.recall, 0.5);
    EXPECT_NEAR(s.rouge1.fmeasure, 2.0 / 3.0, 1e-12);
    EXPECT_DOUBLE_EQ(s.rouge2.precision, 1.0);
    EXPECT_DOUBLE_EQ(s.rouge2.recall, 0.4);
    EXPECT_DOUBLE_EQ(s.rougeL.recall, 0.5);
    // Stemming: "running" and "runs" both become "run".
    EXPECT_DOUBLE_EQ(ragppo::rouge("dogs running", "dog runs", true).rouge1.fmeasure, 1.0);
    EXPECT_LT(ragppo::rouge("dogs running", "dog runs", false).rouge1.fmeasure, 1.0);
}
