// Reading a GPT-2 tokenizer from HF's file formats: tokenizer.json, or the
// original vocab.json + merges.txt (+ added tokens from a checkpoint's config).
#include "text/gpt2_tokenizer.h"
#include "text/gpt2_tokenizer_impl.h"

#include "ragppo.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ragppo::text {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_json(const fs::path & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + path.string());
    try {
        return json::parse(in);
    } catch (const json::exception & e) {
        throw Error(path.string() + ": invalid JSON: " + e.what());
    }
}

std::unordered_map<std::string, int32_t> vocab_from_json(const json & j, const fs::path & where) {
    if (!j.is_object()) throw Error(where.string() + ": the vocabulary is not a JSON object");
    std::unordered_map<std::string, int32_t> vocab;
    vocab.reserve(j.size());
    for (const auto & [token, id] : j.items()) {
        // Checked before get<int32_t>: a float or 64-bit id would be converted with UB.
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
            throw Error(where.string() + ": the id of token " + json(token).dump() + " is not an integer in [0, 2^31)");
        }
        vocab.emplace(token, id.get<int32_t>());
    }
    return vocab;
}

// "left right": HF requires exactly one space (byte-level tokens never contain one).
std::pair<std::string, std::string> split_merge_line(const std::string & line, size_t number, const fs::path & where) {
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        throw Error(where.string() + ": merge " + std::to_string(number) + " is not 'left right': " + line);
    }
    return {line.substr(0, space), line.substr(space + 1)};
}

std::vector<std::pair<std::string, std::string>> merges_from_json(const json & j, const fs::path & where) {
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(j.size());
    for (const json & m : j) {
        // tokenizers >= 0.20 writes ["left", "right"]; older versions "left right".
        if (m.is_array() && m.size() == 2) merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        else merges.push_back(split_merge_line(m.get<std::string>(), merges.size() + 1, where));
    }
    return merges;
}

std::vector<std::pair<std::string, std::string>> merges_from_text(const fs::path & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open " + path.string());
    std::vector<std::pair<std::string, std::string>> merges;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.starts_with("#version")) continue;
        merges.push_back(split_merge_line(line, number, path));
    }
    return merges;
}

AddedToken added_token_from_json(const json & t) {
    AddedToken a;
    a.content = t.at("content").get<std::string>();
    a.id = t.value("id", -1);
    a.special = t.value("special", false);
    a.single_word = t.value("single_word", false);
    a.lstrip = t.value("lstrip", false);
    a.rstrip = t.value("rstrip", false);
    a.normalized = t.value("normalized", !a.special);
    return a;
}

void require(bool ok, const fs::path & where, const std::string & what) {
    if (!ok) throw Error(where.string() + ": unsupported tokenizer: " + what);
}

// Tokenizer files are walked with nlohmann's checked accessors (at, get, value), which
// throw their own exceptions on a missing key or a wrong type; the user gets them as
// one ragppo::Error naming the file (found by fuzz/fuzz_tokenizer_json.cpp).
template <class F> auto with_file_context(const fs::path & where, F && load) {
    try {
        return load();
    } catch (const json::exception & e) {
        throw Error(where.string() + ": not a tokenizer file we can read (" + e.what() + ")");
    } catch (const std::logic_error & e) {  // std::stoi on an added token's id
        throw Error(where.string() + ": not a tokenizer file we can read (" + e.what() + ")");
    }
}

}  // namespace

Gpt2Tokenizer Gpt2Tokenizer::from_tokenizer_json(const fs::path & path) {
    return with_file_context(path, [&] { return load_tokenizer_json(path); });
}

Gpt2Tokenizer Gpt2Tokenizer::load_tokenizer_json(const fs::path & path) {
    const json j = read_json(path);
    const json & model = j.at("model");
    require(model.value("type", std::string("BPE")) == "BPE", path, "model type is not BPE");
    const auto empty_or_null = [&](const char * key) {
        return !model.contains(key) || model[key].is_null() || model[key].get<std::string>().empty();
    };
    require(empty_or_null("continuing_subword_prefix") && empty_or_null("end_of_word_suffix"), path,
            "BPE subword prefix/suffix");
    require(!j.contains("normalizer") || j["normalizer"].is_null(), path, "a normalizer");
    const json & pre = j.at("pre_tokenizer");
    require(pre.is_object() && pre.value("type", std::string()) == "ByteLevel", path,
            "pre-tokenizer other than ByteLevel");
    require(pre.value("use_regex", true), path, "ByteLevel without the GPT-2 regex");

    auto impl = std::make_unique<Impl>();
    impl->model = std::make_unique<BpeModel>(vocab_from_json(model.at("vocab"), path),
                                             merges_from_json(model.at("merges"), path),
                                             model.value("ignore_merges", false));
    impl->add_prefix_space = pre.value("add_prefix_space", false);
    Gpt2Tokenizer tok(std::move(impl));
    std::vector<AddedToken> added;
    if (j.contains("added_tokens")) {
        for (const json & t : j["added_tokens"]) added.push_back(added_token_from_json(t));
    }
    tok.add_tokens(std::move(added));
    return tok;
}

Gpt2Tokenizer Gpt2Tokenizer::from_vocab_and_merges(const fs::path & vocab_json, const fs::path & merges_txt,
                                                   std::vector<AddedToken> added) {
    return with_file_context(vocab_json, [&] { return load_vocab_and_merges(vocab_json, merges_txt, std::move(added)); });
}

Gpt2Tokenizer Gpt2Tokenizer::load_vocab_and_merges(const fs::path & vocab_json, const fs::path & merges_txt,
                                                   std::vector<AddedToken> added) {
    auto impl = std::make_unique<Impl>();
    impl->model = std::make_unique<BpeModel>(vocab_from_json(read_json(vocab_json), vocab_json),
                                             merges_from_text(merges_txt), false);
    Gpt2Tokenizer tok(std::move(impl));
    std::vector<AddedToken> all;
    if (tok.impl_->model->token_to_id("<|endoftext|>") >= 0) {
        // transformers registers GPT-2's bos/eos/unk token as special (normalized: HF's default there).
        all.push_back(AddedToken{.content = "<|endoftext|>", .special = true, .normalized = true});
    }
    for (AddedToken & a : added) all.push_back(std::move(a));
    tok.add_tokens(std::move(all));
    return tok;
}

Gpt2Tokenizer Gpt2Tokenizer::from_directory(const fs::path & dir) {
    return with_file_context(dir, [&] { return load_directory(dir); });
}

Gpt2Tokenizer Gpt2Tokenizer::load_directory(const fs::path & dir) {
    if (fs::exists(dir / "tokenizer.json")) return from_tokenizer_json(dir / "tokenizer.json");
    std::vector<AddedToken> added;
    const fs::path config = dir / "tokenizer_config.json";
    if (fs::exists(config)) {
        const json c = read_json(config);
        if (c.contains("added_tokens_decoder")) {
            for (const auto & [id, t] : c["added_tokens_decoder"].items()) {
                AddedToken a = added_token_from_json(t);
                a.id = std::stoi(id);
                added.push_back(std::move(a));
            }
        }
    }
    if (added.empty() && fs::exists(dir / "added_tokens.json")) {
        // Only content -> id here; the special ones are named in special_tokens_map.json.
        std::string specials;
        if (fs::exists(dir / "special_tokens_map.json")) specials = read_json(dir / "special_tokens_map.json").dump();
        const json added_json = read_json(dir / "added_tokens.json");
        for (const auto & [content, id] : added_json.items()) {
            const bool special = specials.find(json(content).dump()) != std::string::npos;
            added.push_back(AddedToken{.content = content, .id = id.get<int32_t>(), .special = special,
                                       .normalized = !special});
        }
    }
    std::sort(added.begin(), added.end(), [](const AddedToken & a, const AddedToken & b) { return a.id < b.id; });
    return from_vocab_and_merges(dir / "vocab.json", dir / "merges.txt", std::move(added));
}

}  // namespace ragppo::text
