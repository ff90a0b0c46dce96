// GPT-2 in libtorch against transformers (fixtures from
// scripts/fixtures/fx_gpt2_tiny.py): logits and value-head values with and
// without left padding, both checkpoint formats, the KV cache against full
// forwards, the frozen reference copy, dropout modes, and refusing checkpoints
// of another architecture.
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/checkpoint_tensors.h"
#include "rl/gpt2_load.h"
#include "rl/padding.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace ragppo;
using namespace ragppo::rl;
namespace fs = std::filesystem;

namespace {

constexpr double kLogitTolerance = 1e-4;

Gpt2Policy load_tiny(const std::string & name = "gpt2_tiny") {
    test::use_one_torch_thread();
    return load_gpt2_policy(test::fixture(name));
}

// max |a - b| over the positions where mask [B, T] is 1 (all positions when undefined).
double max_abs_diff(const torch::Tensor & a, const torch::Tensor & b, const torch::Tensor & mask = {}) {
    auto diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs();
    if (mask.defined()) {
        auto keep = mask.to(torch::kBool);
        while (keep.dim() < diff.dim()) keep = keep.unsqueeze(-1);
        diff = diff.masked_fill(~keep, 0.0);
    }
    return diff.max().item<double>();
}

struct Expected {
    torch::Tensor ids, mask, positions, logits, values;
};

Expected expected(const std::string & batch) {
    const auto & b = test::gpt2_tiny_batch(batch);
    Expected e;
    e.ids = test::json_tensor(b["input_ids"], torch::kInt64);
    e.mask = test::json_tensor(b["attention_mask"], torch::kInt64);
    if (!b["position_ids"].is_null()) e.positions = test::json_tensor(b["position_ids"], torch::kInt64);
    e.logits = test::json_tensor(b["logits"], torch::kFloat32);
    e.values = test::json_tensor(b["values"], torch::kFloat32);
    return e;
}

// A copy of a fixture checkpoint directory whose config.json `edit` changes.
fs::path edited_copy(const std::string & name, const std::function<void(nlohmann::json &)> & edit,
                     const std::string & weights_from = "") {
    const fs::path dir = test::make_temp_dir("gpt2_edit");
    fs::copy(test::fixture(name), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    if (!weights_from.empty())
        fs::copy(fs::path(test::fixture(weights_from)) / "model.safetensors", dir / "model.safetensors",
                 fs::copy_options::overwrite_existing);
    nlohmann::json config = nlohmann::json::parse(std::ifstream(dir / "config.json"));
    edit(config);
    std::ofstream(dir / "config.json") << config.dump();
    return dir;
}

// The message of the ragppo::Error that `f` throws ("" when it throws none).
std::string error_of(const std::function<void()> & f) {
    try {
        f();
    } catch (const Error & e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Gpt2Model, LogitsMatchTransformersWithoutPadding) {
    auto policy = load_tiny();
    const auto e = expected("no_padding");
    torch::NoGradGuard no_grad;
    const auto out = policy->forward(e.ids);
    const double diff = max_abs_diff(out.logits, e.logits);
    std::cout << "max |logits - transformers| without padding: " << diff << "\n";
    EXPECT_LT(diff, kLogitTolerance);
    EXPECT_EQ(out.values.sizes(), (std::vector<int64_t>{e.ids.size(0), e.ids.size(1)}));
}

TEST(Gpt2Model, LogitsMatchTransformersWithLeftPadding) {
    auto policy = load_tiny();
    const auto e = expected("left_padding");
    torch::NoGradGuard no_grad;
    // Our positions (from the mask) and transformers' generate() positions agree
    // on every real token; padding positions are nobody's output.
    const auto ours = policy->forward(e.ids, e.mask).logits;
    const auto given = policy->forward(e.ids, e.mask, e.positions).logits;
    const double diff = max_abs_diff(ours, e.logits, e.mask);
    const double diff_given = max_abs_diff(given, e.logits, e.mask);
    std::cout << "max |logits - transformers| with left padding: " << diff << " (HF's position ids: " << diff_given
              << ")\n";
    EXPECT_LT(diff, kLogitTolerance);
    EXPECT_LT(diff_given, kLogitTolerance);
    EXPECT_FALSE(ours.isnan().any().item<bool>()) << "padding rows must stay finite";
}

TEST(Gpt2Model, PaddedRowsReadLikeUnpaddedOnes) {
    auto policy = load_tiny();
    const auto e = expected("left_padding");
    torch::NoGradGuard no_grad;
    const auto batched = policy->forward(e.ids, e.mask).logits;
    for (int64_t row = 0; row < e.ids.size(0); ++row) {
        const int64_t n = e.mask[row].sum().item<int64_t>();
        const auto alone = policy->forward(e.ids[row].narrow(0, e.ids.size(1) - n, n).unsqueeze(0)).logits[0];
        EXPECT_LT(max_abs_diff(batched[row].narrow(0, e.ids.size(1) - n, n), alone), 1e-5) << "row " << row;
    }
}

TEST(Gpt2Model, ValueHeadMatchesTrlLayout) {
    auto policy = load_tiny("gpt2_tiny_vhead");
    torch::NoGradGuard no_grad;
    for (const char * batch : {"no_padding", "left_padding"}) {
        const auto e = expected(batch);
        const auto out = policy->forward(e.ids, e.mask);
        const double diff = max_abs_diff(out.values, e.values, e.mask);
        std::cout << "max |values - TRL value head| (" << batch << "): " << diff << "\n";
        EXPECT_LT(diff, kLogitTolerance);
        EXPECT_LT(max_abs_diff(out.logits, e.logits, e.mask), kLogitTolerance);
    }
}

TEST(Gpt2Model, PytorchBinLoadsTheSameWeights) {
    auto from_bin = load_tiny("gpt2_tiny_bin");
    auto from_safetensors = load_tiny();
    const auto a = from_bin->named_parameters();
    for (const auto & p : from_safetensors->named_parameters()) {
        if (p.key().starts_with("v_head.")) continue;  // freshly initialised in both
        EXPECT_TRUE(torch::equal(p.value(), a[p.key()])) << p.key();
    }
}

TEST(Gpt2Model, KvCacheDecodingMatchesFullForward) {
    auto policy = load_tiny();
    const auto e = expected("left_padding");
    torch::NoGradGuard no_grad;
    const auto full = policy->forward(e.ids, e.mask).logits;

    // Prefill 4 columns, then 1, then 2 at a time, then the rest: the cache must
    // carry keys/values (and the buffer growth) exactly.
    KvCache cache(policy->config().n_layer, /*capacity=*/5);
    std::vector<torch::Tensor> pieces;
    int64_t done = 0;
    for (int64_t chunk : {4, 1, 2, 1, 2}) {
        const auto ids = e.ids.narrow(1, done, chunk);
        const auto mask = e.mask.narrow(1, 0, done + chunk);
        pieces.push_back(policy->forward(ids, mask, {}, &cache).logits);
        done += chunk;
    }
    ASSERT_EQ(done, e.ids.size(1));
    EXPECT_EQ(cache.length(), done);
    const double diff = max_abs_diff(torch::cat(pieces, 1), full, e.mask);
    std::cout << "max |cached - full forward| logits: " << diff << "\n";
    EXPECT_LT(diff, 1e-5);
}

TEST(Gpt2Model, FrozenCopyIsADeepCopyWithoutGradients) {
    auto policy = load_tiny();
    policy->train();
    auto reference = frozen_copy(*policy);
    EXPECT_FALSE(reference->is_training());
    const auto ref_params = reference->named_parameters();
    for (const auto & p : policy->named_parameters()) {
        EXPECT_FALSE(ref_params[p.key()].requires_grad()) << p.key();
        EXPECT_TRUE(torch::equal(ref_params[p.key()], p.value())) << p.key();
    }
    {
        torch::NoGradGuard no_grad;
        policy->transformer->wte->weight.add_(1.0);
    }
    EXPECT_FALSE(torch::equal(reference->transformer->wte->weight, policy->transformer->wte->weight));
}

TEST(Gpt2Model, DropoutOnlyInTrainMode) {
    auto policy = load_tiny();
    const auto e = expected("no_padding");
    torch::NoGradGuard no_grad;
    torch::manual_seed(0);
    EXPECT_TRUE(torch::equal(policy->forward(e.ids).logits, policy->forward(e.ids).logits));
    policy->train();
    EXPECT_FALSE(torch::equal(policy->forward(e.ids).logits, policy->forward(e.ids).logits));
    policy->eval();
    EXPECT_LT(max_abs_diff(policy->forward(e.ids).logits, e.logits), kLogitTolerance);
}

TEST(Gpt2Model, GradientsReachEveryParameter) {
    auto policy = load_tiny();
    const auto e = expected("left_padding");
    const auto out = policy->forward(e.ids, e.mask);
    (out.logits.logsumexp(-1).sum() + out.values.sum()).backward();
    for (const auto & p : policy->named_parameters()) {
        ASSERT_TRUE(p.value().grad().defined()) << p.key();
        EXPECT_FALSE(p.value().grad().isnan().any().item<bool>()) << p.key();
    }
}

TEST(Gpt2Model, OtherArchitecturesAreRefusedInOneLine) {
    // A BERT checkpoint: its config.json says so.
    const auto bert = error_of([] { load_tiny("bert_tiny"); });
    EXPECT_NE(bert.find("model_type is 'bert'"), std::string::npos) << bert;
    // BERT weights behind a GPT-2 config.json: GPT-2's tensors are missing.
    const auto bert_weights = edited_copy("gpt2_tiny", [](auto &) {}, "bert_tiny");
    const auto missing = error_of([&] { load_gpt2_policy(bert_weights); });
    EXPECT_NE(missing.find("is missing"), std::string::npos) << missing;
    // A config.json that disagrees with the weights: wrong shapes, extra layers.
    const auto wider = edited_copy("gpt2_tiny", [](auto & c) { c["n_embd"] = 64; });
    const auto shape = error_of([&] { load_gpt2_policy(wider); });
    EXPECT_NE(shape.find("has shape"), std::string::npos) << shape;
    const auto deeper = edited_copy("gpt2_tiny", [](auto & c) { c["n_layer"] = 3; });
    const auto layer = error_of([&] { load_gpt2_policy(deeper); });
    EXPECT_NE(layer.find("'transformer.h.2."), std::string::npos) << layer;
    for (const auto & msg : {bert, missing, shape, layer}) EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(Gpt2Model, GarbageWeightFilesAreRefused) {
    const fs::path dir = test::make_temp_dir("gpt2_garbage");
    std::ofstream(dir / "model.safetensors") << "this is not a safetensors file";
    EXPECT_THROW(read_safetensors(dir / "model.safetensors"), Error);
    std::ofstream(dir / "pytorch_model.bin") << "PK but not really a zip";
    EXPECT_THROW(read_torch_bin(dir / "pytorch_model.bin"), Error);
    EXPECT_THROW(read_checkpoint_tensors(test::make_temp_dir("gpt2_empty")), Error);
}

TEST(Gpt2Model, PositionsAndMaskForLeftPadding) {
    const auto batch = left_pad({{5, 6, 7}, {8}}, /*pad_id=*/0, torch::kCPU);
    EXPECT_TRUE(torch::equal(batch.ids, torch::tensor({{5, 6, 7}, {0, 0, 8}}, torch::kInt64)));
    EXPECT_TRUE(torch::equal(positions_from_mask(batch.mask), torch::tensor({{0, 1, 2}, {0, 0, 0}}, torch::kInt64)));
    const auto allowed = attention_allowed(batch.mask, 3);  // [2, 1, 3, 3]
    // Row 1: the real token (column 2) sees only itself; padding sees only itself.
    EXPECT_TRUE(torch::equal(allowed[1][0], torch::tensor({{true, false, false}, {false, true, false},
                                                           {false, false, true}})));
    EXPECT_TRUE(torch::equal(allowed[0][0], torch::tensor({{true, false, false}, {true, true, false},
                                                           {true, true, true}})));
}
