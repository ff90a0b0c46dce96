// ROUGE parity with Google's rouge_score 0.1.2 (fixtures from
// scripts/fixtures/fx_rouge.py): tokens, NLTK Porter stems, and ROUGE-1/2/L
// precision, recall and F1 with and without stemming.
#include "metrics/porter_stemmer.h"
#include "metrics/rouge.h"
#include "support/files.h"
#include "support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>

using namespace ragppo;

namespace {

const nlohmann::json & fixture() {
    static const nlohmann::json j = test::read_fixture_json("rouge_parity.json");
    return j;
}

struct Diff {
    double max_abs = 0;
    int compared = 0;
    int over_tolerance = 0;
};

void compare(const metrics::RougeScore & ours, const nlohmann::json & ref, Diff & d, const std::string & what) {
    const double got[3] = {ours.precision, ours.recall, ours.fmeasure};
    for (int k = 0; k < 3; ++k) {
        const double diff = std::abs(got[k] - ref[k].get<double>());
        d.max_abs = std::max(d.max_abs, diff);
        ++d.compared;
        if (diff >= 1e-6 && ++d.over_tolerance <= 5) {
            ADD_FAILURE() << what << " component " << k << ": ours " << got[k] << " rouge_score " << ref[k];
        }
    }
}

void check_pairs(bool stemmed) {
    const auto & pairs = fixture()["pairs"];
    ASSERT_GE(pairs.size(), 500u);
    Diff d;
    for (const auto & p : pairs) {
        const std::string target = p["target"], prediction = p["prediction"];
        const auto s = metrics::rouge_scores(target, prediction, stemmed);
        const auto & ref = p[stemmed ? "stemmed" : "plain"];
        const std::string what = nlohmann::json(prediction.substr(0, 60)).dump();
        compare(s.rouge1, ref["rouge1"], d, "rouge1 " + what);
        compare(s.rouge2, ref["rouge2"], d, "rouge2 " + what);
        compare(s.rougeL, ref["rougeL"], d, "rougeL " + what);
    }
    std::printf("[parity] %zu pairs (%s): max |ours - rouge_score| = %.3g over %d values\n", pairs.size(),
                stemmed ? "stemmed" : "plain", d.max_abs, d.compared);
    EXPECT_EQ(d.over_tolerance, 0);
    EXPECT_LT(d.max_abs, 1e-6);
}

}  // namespace

TEST(Rouge, ScoresMatchRougeScoreWithoutStemming) { check_pairs(false); }

TEST(Rouge, ScoresMatchRougeScoreWithStemming) { check_pairs(true); }

TEST(Rouge, TokensMatchRougeScoreTokenizer) {
    const auto & items = fixture()["tokens"];
    ASSERT_GE(items.size(), 400u);
    int mismatches = 0;
    for (const auto & item : items) {
        const std::string text = item["text"];
        for (const bool stemmed : {false, true}) {
            const auto expected = item[stemmed ? "stemmed" : "plain"].get<std::vector<std::string>>();
            if (metrics::rouge_tokenize(text, stemmed) != expected && ++mismatches <= 5) {
                ADD_FAILURE() << "tokens differ (stemmed=" << stemmed << ") for " << nlohmann::json(text.substr(0, 80)).dump();
            }
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(Rouge, PorterStemsMatchNltk) {
    const auto & stems = fixture()["stems"];
    ASSERT_GE(stems.size(), 5000u);
    int mismatches = 0;
    for (const auto & pair : stems) {
        const std::string word = pair[0], expected = pair[1];
        const std::string ours = metrics::porter_stem(word);
        if (ours != expected && ++mismatches <= 10) {
            ADD_FAILURE() << word << ": ours " << ours << ", nltk " << expected;
        }
    }
    EXPECT_EQ(mismatches, 0) << "of " << stems.size() << " words";
}

TEST(Rouge, KnownValues) {
    // rouge_score: score("The quick brown fox", "the quick red fox") -> rouge1 P=R=F=0.75
    const auto s = metrics::rouge_scores("The quick brown fox", "the quick red fox");
    EXPECT_DOUBLE_EQ(s.rouge1.fmeasure, 0.75);
    EXPECT_DOUBLE_EQ(s.rouge2.fmeasure, 1.0 / 3.0);  // "the quick" of 3 bigrams each
    EXPECT_DOUBLE_EQ(s.rougeL.fmeasure, 0.75);
    EXPECT_DOUBLE_EQ(metrics::rouge1_f1("a b", "a b"), 1.0);
    EXPECT_EQ(metrics::rouge1_f1("", "a b"), 0.0);
    EXPECT_EQ(metrics::rouge1_f1("!!!", "???"), 0.0);
    EXPECT_THROW(metrics::rouge_n({"a"}, {"a"}, 0), std::invalid_argument);
}

TEST(Rouge, TokenizerKeepsOnlyAsciiAlphanumerics) {
    using V = std::vector<std::string>;
    EXPECT_EQ(metrics::rouge_tokenize("Crème brûlée, U.S.-led"), (V{"cr", "me", "br", "l", "e", "u", "s", "led"}));
    EXPECT_EQ(metrics::rouge_tokenize("\xC4\xB0stanbul"), (V{"i", "stanbul"}));  // U+0130 lowercases to "i" + U+0307
    EXPECT_EQ(metrics::rouge_tokenize("5\xE2\x84\xAA"), (V{"5k"}));            // KELVIN SIGN lowercases to "k"
    EXPECT_EQ(metrics::rouge_tokenize("running dogs", true), (V{"run", "dog"}));
    EXPECT_EQ(metrics::rouge_tokenize("was runs", true), (V{"was", "run"}));     // 3 letters: not stemmed
}

TEST(Rouge, RewardIsFastEnoughForPpo) {
    const auto & pairs = fixture()["pairs"];
    std::vector<std::pair<std::string, std::string>> texts;
    for (const auto & p : pairs) texts.emplace_back(p["target"], p["prediction"]);
    const auto start = std::chrono::steady_clock::now();
    double sum = 0;
    for (const auto & [t, p] : texts) sum += metrics::rouge_scores(t, p).rougeL.fmeasure;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[bench] %zu ROUGE-1/2/L evaluations in %.1f ms (%.1f us each)\n", texts.size(), seconds * 1e3,
                seconds / texts.size() * 1e6);
    EXPECT_GT(sum, 0.0);
    EXPECT_LT(seconds, 2.0);
}
