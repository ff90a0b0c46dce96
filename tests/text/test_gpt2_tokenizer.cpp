// GPT-2 tokenizer parity with Hugging Face `tokenizers` on GPT-2's real
// vocabulary plus three added tokens (fixtures from
// scripts/fixtures/fx_gpt2_tokenizer.py), and behaviour checks of the parts.
#include "support/files.h"
#include "support/paths.h"
#include "text/byte_level.h"
#include "text/gpt2_pretokenizer.h"
#include "text/gpt2_tokenizer.h"
#include "text/utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace ragppo;
using text::Gpt2Tokenizer;

namespace {

const nlohmann::json & cases() {
    static const nlohmann::json j = test::read_fixture_json("gpt2/cases.json");
    return j;
}

const Gpt2Tokenizer & reference_tokenizer() {
    static const Gpt2Tokenizer tok = Gpt2Tokenizer::from_tokenizer_json(test::fixture("gpt2/tokenizer.json"));
    return tok;
}

std::vector<int32_t> ids_of(const nlohmann::json & item) { return item["ids"].get<std::vector<int32_t>>(); }

// Compares our ids with HF's for every item; reports the first few mismatches.
int count_encode_mismatches(const Gpt2Tokenizer & tok, const nlohmann::json & items) {
    int mismatches = 0;
    for (const auto & item : items) {
        const std::string text = item["text"];
        const auto ours = tok.encode(text);
        if (ours != ids_of(item)) {
            if (++mismatches <= 5) {
                ADD_FAILURE() << "ids differ for " << nlohmann::json(text).dump() << "\n ours: " << nlohmann::json(ours).dump()
                              << "\n   hf: " << item["ids"].dump();
            }
        }
    }
    return mismatches;
}

}  // namespace

TEST(Gpt2Tokenizer, FixtureIsGpt2WithThreeAddedTokens) {
    EXPECT_EQ(cases()["base_vocab_size"].get<int>(), 50257);
    EXPECT_EQ(cases()["vocab_size"].get<int>(), 50260);
    EXPECT_GT(cases()["llama_cpp_cases_checked"].get<int>(), 0);  // the fixture's own proof of GPT-2's vocabulary
    const auto & tok = reference_tokenizer();
    EXPECT_EQ(tok.vocab_size(), 50260u);
    EXPECT_EQ(tok.eos_token_id(), std::optional<int32_t>(50256));
    EXPECT_EQ(tok.token_to_id("<|pad|>"), std::optional<int32_t>(50257));
    EXPECT_EQ(tok.token_to_id("<|sep|>"), std::optional<int32_t>(50259));
    EXPECT_EQ(tok.id_to_token(15496), std::optional<std::string>("Hello"));
    EXPECT_TRUE(tok.is_special(50256));
    EXPECT_TRUE(tok.is_special(50258));
    EXPECT_FALSE(tok.is_special(50259));  // <|sep|> was added as a plain token
    EXPECT_FALSE(tok.is_special(995));
}

TEST(Gpt2Tokenizer, NewsSentencesMatchHuggingFace) {
    const auto & items = cases()["sentences"];
    ASSERT_GE(items.size(), 1000u);
    EXPECT_EQ(count_encode_mismatches(reference_tokenizer(), items), 0) << "of " << items.size() << " sentences";
}

TEST(Gpt2Tokenizer, WholeArticlesMatchHuggingFace) {
    const auto & items = cases()["articles"];
    ASSERT_GE(items.size(), 40u);
    EXPECT_EQ(count_encode_mismatches(reference_tokenizer(), items), 0);
}

TEST(Gpt2Tokenizer, EdgeCasesMatchHuggingFace) {
    const auto & items = cases()["edge_cases"];
    ASSERT_GE(items.size(), 80u);
    EXPECT_EQ(count_encode_mismatches(reference_tokenizer(), items), 0);
}

TEST(Gpt2Tokenizer, SpecialTokensInsideTextAreSingleIds) {
    const auto & tok = reference_tokenizer();
    const auto ids = tok.encode("Hello<|endoftext|>world<|pad|>");
    ASSERT_EQ(ids.size(), 4u);
    EXPECT_EQ(ids[1], 50256);
    EXPECT_EQ(ids[3], 50257);
    // A truncated marker is ordinary text.
    const auto partial = tok.encode("<|endoftext");
    EXPECT_EQ(std::count(partial.begin(), partial.end(), 50256), 0);
    EXPECT_GT(partial.size(), 1u);
}

TEST(Gpt2Tokenizer, DecodeMatchesHuggingFaceIncludingBrokenUtf8) {
    const auto & tok = reference_tokenizer();
    const auto & items = cases()["decode"];
    ASSERT_GE(items.size(), 200u);
    int mismatches = 0, with_replacement = 0;
    for (const auto & item : items) {
        const auto ids = ids_of(item);
        const std::string expected = item["text"], expected_skip = item["text_skip_special"];
        const std::string ours = tok.decode(ids), ours_skip = tok.decode(ids, /*skip_special_tokens=*/true);
        if (ours != expected || ours_skip != expected_skip) {
            if (++mismatches <= 5) {
                ADD_FAILURE() << "decode differs for " << item["ids"].dump() << "\n ours: " << nlohmann::json(ours).dump()
                              << " / " << nlohmann::json(ours_skip).dump() << "\n   hf: " << nlohmann::json(expected).dump()
                              << " / " << nlohmann::json(expected_skip).dump();
            }
        }
        if (expected.find("\xEF\xBF\xBD") != std::string::npos) ++with_replacement;
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_GT(with_replacement, 10);  // the cases do exercise invalid UTF-8
}

TEST(Gpt2Tokenizer, DecodeOfEncodeIsIdentity) {
    const auto & tok = reference_tokenizer();
    int checked = 0;
    for (const char * group : {"sentences", "articles", "edge_cases"}) {
        for (const auto & item : cases()[group]) {
            const std::string s = item["text"];
            ASSERT_EQ(tok.decode(tok.encode(s)), s);
            ++checked;
        }
    }
    EXPECT_GT(checked, 1000);
}

TEST(Gpt2Tokenizer, VocabAndMergesLoadEncodesLikeTokenizerJson) {
    std::vector<text::AddedToken> added;
    for (const auto & t : cases()["added_tokens"]) {
        if (t["content"] == "<|endoftext|>") continue;  // registered by the loader itself
        added.push_back(text::AddedToken{.content = t["content"], .special = t["special"], .normalized = t["normalized"]});
    }
    const auto tok = Gpt2Tokenizer::from_vocab_and_merges(test::fixture("gpt2/vocab.json"), test::fixture("gpt2/merges.txt"), added);
    EXPECT_EQ(tok.vocab_size(), 50260u);
    EXPECT_EQ(tok.token_to_id("<|sep|>"), std::optional<int32_t>(50259));
    EXPECT_EQ(count_encode_mismatches(tok, cases()["edge_cases"]), 0);
    EXPECT_EQ(count_encode_mismatches(tok, cases()["articles"]), 0);
}

TEST(Gpt2Tokenizer, LoadsCheckpointDirectoriesOfEveryLayout) {
    namespace fs = std::filesystem;
    const fs::path checkpoint = test::fixture("gpt2/checkpoint");
    // Without tokenizer.json: flags from tokenizer_config.json; or the legacy
    // added_tokens.json + special_tokens_map.json.
    const fs::path with_config = test::make_temp_dir("ragppo-gpt2-config-");
    const fs::path legacy = test::make_temp_dir("ragppo-gpt2-legacy-");
    for (const char * f : {"vocab.json", "merges.txt", "tokenizer_config.json"}) fs::copy_file(checkpoint / f, with_config / f);
    for (const char * f : {"vocab.json", "merges.txt", "added_tokens.json", "special_tokens_map.json"}) {
        fs::copy_file(checkpoint / f, legacy / f);
    }
    for (const fs::path & dir : {checkpoint, with_config, legacy}) {
        SCOPED_TRACE(dir.string());
        const auto tok = Gpt2Tokenizer::from_directory(dir);
        EXPECT_EQ(tok.vocab_size(), 50260u);
        EXPECT_TRUE(tok.is_special(50258));
        EXPECT_FALSE(tok.is_special(50259));
        EXPECT_EQ(count_encode_mismatches(tok, cases()["edge_cases"]), 0);
    }
    EXPECT_THROW(Gpt2Tokenizer::from_directory(with_config / "nowhere"), std::runtime_error);
}

TEST(Gpt2Tokenizer, AddedTokenFlagsMatchHuggingFace) {
    const auto tok = Gpt2Tokenizer::from_tokenizer_json(test::fixture("gpt2/tokenizer_flags.json"));
    const auto & flags = cases()["flags"];
    EXPECT_EQ(count_encode_mismatches(tok, flags["encode"]), 0);
    for (const auto & item : flags["decode"]) {
        const auto ids = ids_of(item);
        EXPECT_EQ(tok.decode(ids), item["text"].get<std::string>()) << item["ids"].dump();
        EXPECT_EQ(tok.decode(ids, true), item["text_skip_special"].get<std::string>()) << item["ids"].dump();
    }
}

TEST(Gpt2Tokenizer, AddTokensAssignsNextFreeIdsLikeHuggingFace) {
    auto tok = Gpt2Tokenizer::from_tokenizer_json(test::fixture("gpt2/tokenizer.json"));
    const auto ids = tok.add_tokens({text::AddedToken{.content = "<|new|>"}, text::AddedToken{.content = "Hello"},
                                     text::AddedToken{.content = "<|pad|>", .special = true}});
    EXPECT_EQ(ids, (std::vector<int32_t>{50260, 15496, 50257}));
    EXPECT_EQ(tok.vocab_size(), 50261u);
    EXPECT_EQ(tok.encode("a<|new|>b"), (std::vector<int32_t>{64, 50260, 65}));
}

TEST(Gpt2Tokenizer, RejectsTokenizerItCannotReproduce) {
    const std::string dir = test::make_temp_dir("ragppo-gpt2-");
    {
        std::ofstream out(dir + "/tokenizer.json");
        out << R"({"normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "ByteLevel"},
                   "model": {"type": "BPE", "vocab": {}, "merges": []}})";
    }
    EXPECT_THROW(Gpt2Tokenizer::from_tokenizer_json(dir + "/tokenizer.json"), std::runtime_error);
    EXPECT_THROW(Gpt2Tokenizer::from_tokenizer_json(dir + "/missing.json"), std::runtime_error);
}

TEST(Gpt2Pretokenizer, SplitsLikeTheGpt2Regex) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(text::split_gpt2_pretokens("Hello world"), (V{"Hello", " world"}));
    EXPECT_EQ(text::split_gpt2_pretokens("I'm here's"), (V{"I", "'m", " here", "'s"}));
    EXPECT_EQ(text::split_gpt2_pretokens("a   b"), (V{"a", "  ", " b"}));
    EXPECT_EQ(text::split_gpt2_pretokens("a\n\nb"), (V{"a", "\n", "\n", "b"}));
    EXPECT_EQ(text::split_gpt2_pretokens("x  "), (V{"x", "  "}));
    EXPECT_EQ(text::split_gpt2_pretokens("abc123!?"), (V{"abc", "123", "!?"}));
    EXPECT_EQ(text::split_gpt2_pretokens(" ¿Qué?"), (V{" ¿", "Qué", "?"}));
    EXPECT_EQ(text::split_gpt2_pretokens("\xff\xfe x"), (V{"\xff\xfe", " x"}));  // invalid bytes are "other"
}

TEST(Gpt2Pretokenizer, PiecesMatchHuggingFaceIncludingNewUnicodeLetters) {
    const auto & items = cases()["pretokens"];
    ASSERT_GE(items.size(), 500u);
    int mismatches = 0;
    for (const auto & item : items) {
        const std::string s = item["text"];
        std::vector<std::string> ours;
        for (const auto piece : text::split_gpt2_pretokens(s)) ours.push_back(text::bytes_to_token_text(piece));
        if (ours != item["pieces"].get<std::vector<std::string>>() && ++mismatches <= 5) {
            ADD_FAILURE() << "pieces differ for " << nlohmann::json(s).dump() << "\n ours: " << nlohmann::json(ours).dump()
                          << "\n   hf: " << item["pieces"].dump();
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(ByteLevel, MapsEveryByteToOneCharacterAndBack) {
    for (int b = 0; b < 256; ++b) {
        const uint32_t cp = text::byte_to_unicode(static_cast<uint8_t>(b));
        EXPECT_EQ(text::unicode_to_byte(cp), b);
    }
    EXPECT_EQ(text::byte_to_unicode(' '), 0x120u);  // "Ġ"
    EXPECT_EQ(text::byte_to_unicode('\n'), 0x10Au);  // "Ċ"
    EXPECT_EQ(text::byte_to_unicode('A'), static_cast<uint32_t>('A'));
    EXPECT_EQ(text::token_text_to_bytes("\xC4\xA0the"), " the");
    EXPECT_EQ(text::token_text_to_bytes(" <sp>"), " <sp>");  // not all mapped: raw bytes
}

TEST(Utf8, RepairsInvalidSequencesLikePython) {
    // Python: b"a\xe2\x82b\xff\xf0\x9f\x98".decode("utf-8", "replace") == "a\ufffdb\ufffd\ufffd"
    EXPECT_EQ(text::to_valid_utf8("a\xE2\x82" "b\xFF\xF0\x9F\x98"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(text::to_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong: two bytes, two marks
    EXPECT_EQ(text::to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(text::to_valid_utf8("ok \xE2\x82\xAC"), "ok \xE2\x82\xAC");
}

TEST(Gpt2Tokenizer, EncodesNewsQuickly) {
    std::vector<std::string> texts;
    size_t bytes = 0, expected_tokens = 0;
    for (const auto & item : cases()["articles"]) {
        texts.push_back(item["text"]);
        bytes += texts.back().size();
        expected_tokens += item["ids"].size();
    }
    // Cold cache: a fresh tokenizer, so the timing includes BPE merging.
    const auto fresh = Gpt2Tokenizer::from_tokenizer_json(test::fixture("gpt2/tokenizer.json"));
    const auto start = std::chrono::steady_clock::now();
    size_t tokens = 0;
    for (const auto & t : texts) tokens += fresh.encode(t).size();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[bench] encoded %zu texts, %zu bytes -> %zu tokens in %.1f ms (%.1f MB/s, cold cache)\n", texts.size(),
                bytes, tokens, seconds * 1e3, bytes / seconds / 1e6);
    EXPECT_EQ(tokens, expected_tokens);
    EXPECT_LT(seconds, 2.0);  // generous: ~50x the expected time, catches accidental quadratic behaviour
}
