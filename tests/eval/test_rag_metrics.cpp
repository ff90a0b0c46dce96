// Retrieval and answer metrics on hand-worked values.
#include "eval/rag_metrics.h"

#include <gtest/gtest.h>

using namespace ragppo::eval;

TEST(RagMetrics, RankRecallAndMrr) {
    EXPECT_EQ(rank_of({"a", "b", "c"}, "b"), 2u);
    EXPECT_EQ(rank_of({"a", "b", "c"}, "z"), 0u);
    const auto m = retrieval_metrics({1, 2, 0, 4});
    EXPECT_EQ(m.queries, 4u);
    EXPECT_DOUBLE_EQ(m.recall_at_1, 0.25);
    EXPECT_DOUBLE_EQ(m.recall_at_3, 0.5);
    EXPECT_DOUBLE_EQ(m.mrr, (1.0 + 0.5 + 0.0 + 0.25) / 4);
}

TEST(RagMetrics, IngredientRecallMatchesWholeWordsCaseInsensitively) {
    const std::string answer = "Boil the Pasta, then add olive oil and two eggs.";
    EXPECT_DOUBLE_EQ(ingredient_recall(answer, {"pasta", "olive oil", "egg", "salt"}), 0.75);
    EXPECT_DOUBLE_EQ(ingredient_recall("boil water", {"oil"}), 0.0);  // "oil" is not in "boil"
    EXPECT_DOUBLE_EQ(ingredient_recall("anything", {}), 0.0);
}

TEST(RagMetrics, AnswerRougeLAgainstGoldSteps) {
    ragppo::data::Recipe gold;
    gold.steps = "mix flour and water . knead the dough";
    gold.ner = {"flour", "water"};
    const auto same = answer_metrics("mix flour and water. knead the dough", gold);
    EXPECT_NEAR(same.rouge_l, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(same.ingredient_recall, 1.0);
    const auto other = answer_metrics("grill the fish", gold);
    EXPECT_NEAR(other.rouge_l, 0.2, 1e-12);  // LCS "the": P = 1/3, R = 1/7, F1 = 0.2
}
