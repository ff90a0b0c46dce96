// rl/lora and rl/lora_peft: adapters on the projections PEFT's matching names,
// our forward with an adapter against PEFT's on the same tiny GPT-2
// (scripts/fixtures/fx_lora_peft.py), the adapters switched off as the base, the
// merged export, and PEFT reading our adapter export (scripts/check_peft_export.py).
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/gpt2_load.h"
#include "rl/hf_export.h"
#include "rl/lora.h"
#include "rl/lora_peft.h"
#include "rl/mixed_precision.h"
#include "rl/ppo_memory.h"
#include "support/files.h"
#include "support/process.h"

#include <gtest/gtest.h>

using namespace ragppo;
using namespace ragppo::rl;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-5;

const nlohmann::json & lora_cases() {
    static const nlohmann::json j = test::read_fixture_json("lora_tiny_cases.json");
    return j;
}

struct Batch {
    torch::Tensor ids, mask, positions;
};
Batch fixture_batch() {
    const auto & c = lora_cases();
    return {test::json_tensor(c["input_ids"], torch::kInt64), test::json_tensor(c["attention_mask"], torch::kInt64),
            test::json_tensor(c["position_ids"], torch::kInt64)};
}

// Largest difference over the real (unpadded) positions.
double max_diff(const torch::Tensor & a, const torch::Tensor & b, const torch::Tensor & mask) {
    const auto keep = mask.to(torch::kBool).unsqueeze(-1).expand_as(a);
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().masked_select(keep).max().item<double>();
}

Gpt2Policy tiny_base() {
    test::use_one_torch_thread();
    return load_gpt2_policy(test::fixture("lora_tiny_base"));
}

torch::Tensor logits(Gpt2PolicyImpl & policy, const Batch & b) {
    torch::NoGradGuard no_grad;
    return policy.forward(b.ids, b.mask, b.positions).logits;
}

int64_t adapters_of(Gpt2PolicyImpl & policy) {
    int64_t n = 0;
    for (const auto & s : lora_sites(policy)) n += *s.adapter ? 1 : 0;
    return n;
}

}  // namespace

TEST(Lora, PeftAdaptersGivePeftsLogitsAndTheBaseWhenOff) {
    const auto b = fixture_batch();
    ASSERT_EQ(lora_cases()["adapters"].size(), 2u);
    for (const auto & [name, expected] : lora_cases()["adapters"].items()) {
        auto policy = tiny_base();
        load_peft_adapter(*policy, test::fixture(name));
        const auto on = logits(*policy, b);
        const double diff = max_diff(on, test::json_tensor(expected["logits"], torch::kFloat32), b.mask);
        std::cout << name << ": max |PEFT - ours| " << diff << "\n";
        EXPECT_LT(diff, kTolerance) << name;
        torch::Tensor off;
        {
            LoraAdaptersOff base_only(*policy);
            off = logits(*policy, b);
        }
        EXPECT_LT(max_diff(off, test::json_tensor(expected["base_logits"], torch::kFloat32), b.mask), kTolerance) << name;
        // The adapter matters at that tolerance, and is back on after the scope.
        EXPECT_GT(max_diff(on, off, b.mask), 1e-2) << name;
        EXPECT_EQ(max_diff(logits(*policy, b), on, b.mask), 0.0) << name;
    }
}

TEST(Lora, TargetsMatchAsPeftMatchesThem) {
    const int64_t layers = tiny_base()->config().n_layer;
    const std::pair<std::vector<std::string>, int64_t> cases[] = {
        {{"c_attn"}, layers},          {{"c_proj"}, 2 * layers},      {{"attn.c_proj"}, layers},
        {{"c_fc", "mlp.c_proj"}, 2 * layers}, {{"h.0.attn.c_attn"}, 1}, {{"c_attn", "c_proj", "c_fc"}, 4 * layers},
    };
    for (const auto & [targets, count] : cases) {
        auto policy = tiny_base();
        LoraConfig c;
        c.r = 2;
        c.targets = targets;
        const auto summary = apply_lora(*policy, c);
        EXPECT_EQ(summary.adapters, count) << targets[0];
        EXPECT_EQ(adapters_of(*policy), count) << targets[0];
        // Trainable: adapters and value head; their count is what the memory estimate assumes.
        const double head = static_cast<double>(policy->config().n_embd + 1);
        EXPECT_EQ(static_cast<double>(summary.trainable_parameters), lora_parameter_count(policy->config(), c) + head)
            << targets[0];
        int64_t trainable = 0;
        for (const auto & p : policy->named_parameters())
            if (p.value().requires_grad()) {
                ++trainable;
                EXPECT_TRUE(p.key().find(".lora_") != std::string::npos || p.key().starts_with("v_head.")) << p.key();
            }
        EXPECT_EQ(trainable, 2 * count + 2);
        EXPECT_EQ(static_cast<int64_t>(trainable_parameters(*policy).size()), trainable);
    }
}

TEST(Lora, AFreshAdapterChangesNothingUntilTrained) {
    const auto b = fixture_batch();
    auto policy = tiny_base();
    const auto before = logits(*policy, b);
    LoraConfig c;
    c.r = 4;
    c.targets = {"c_attn", "c_proj", "c_fc"};
    torch::manual_seed(1);
    apply_lora(*policy, c);
    EXPECT_EQ(max_diff(logits(*policy, b), before, b.mask), 0.0);  // B starts at zero
    for (const auto & s : lora_sites(*policy)) {
        ASSERT_TRUE(*s.adapter);
        EXPECT_EQ((*s.adapter)->lora_B->weight.abs().max().item<double>(), 0.0);
        EXPECT_GT((*s.adapter)->lora_A->weight.abs().max().item<double>(), 0.0);
        EXPECT_DOUBLE_EQ((*s.adapter)->scaling, 8.0 / 4.0);
    }
}

TEST(Lora, BadSettingsAreOneLineErrors) {
    auto policy = tiny_base();
    auto fails = [&](LoraConfig c, const std::string & says) {
        try {
            apply_lora(*policy, c);
            ADD_FAILURE() << "accepted: " << says;
        } catch (const Error & e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        }
    };
    LoraConfig c;
    c.r = 0;
    fails(c, "rank must be in 1..4096, got 0");
    c.r = 2;
    c.targets = {"c_attn", "wte"};
    fails(c, "LoRA target 'wte' names no GPT-2 projection");
    c.targets = {"attn"};  // a module, not a projection: PEFT refuses it as well
    fails(c, "LoRA target 'attn'");
    c.targets = {"c_attn"};
    c.dropout = 1.0;
    fails(c, "dropout must be in [0, 1)");
    EXPECT_EQ(adapters_of(*policy), 0);  // nothing half-applied
    c.dropout = 0;
    apply_lora(*policy, c);
    fails(c, "already has LoRA adapters");
}

TEST(Lora, AdapterDirectoriesWeCannotReadAreOneLineErrors) {
    const fs::path good = test::fixture("lora_tiny_attn_proj");
    auto variant = [&](const std::function<void(nlohmann::json &)> & edit) {
        const fs::path dir = fs::path(test::make_temp_dir("lora_bad")) / "adapter";
        fs::create_directories(dir);
        fs::copy_file(good / "adapter_model.safetensors", dir / "adapter_model.safetensors");
        auto config = nlohmann::json::parse(test::read_file(good / "adapter_config.json"));
        edit(config);
        test::write_file(dir / "adapter_config.json", config.dump());
        return dir;
    };
    const std::pair<std::function<void(nlohmann::json &)>, std::string> cases[] = {
        {[](nlohmann::json & j) { j["use_dora"] = true; }, "use_dora true is not supported"},
        {[](nlohmann::json & j) { j["use_rslora"] = true; }, "use_rslora true is not supported"},
        {[](nlohmann::json & j) { j["peft_type"] = "IA3"; }, "peft_type \"IA3\" is not supported"},
        {[](nlohmann::json & j) { j["target_modules"] = ".*c_proj"; }, "is a regular expression"},
        {[](nlohmann::json & j) { j["target_modules"] = {"c_attn"}; }, "c_attn.lora_A.weight' is missing"},
        {[](nlohmann::json & j) { j["target_modules"] = {"c_proj"}; }, "mlp.c_proj.lora_A.weight' is missing"},
        {[](nlohmann::json & j) { j["r"] = 3; }, "has shape [2, 32], expected [3, 32]"},
    };
    for (const auto & [edit, says] : cases) {
        auto policy = tiny_base();
        try {
            load_peft_adapter(*policy, variant(edit));
            ADD_FAILURE() << "accepted: " << says;
        } catch (const Error & e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    }
    // An adapter file with a tensor no adapter of the config has.
    auto policy = tiny_base();
    const fs::path dir = variant([](nlohmann::json & j) { j["target_modules"] = {"h.0.attn.c_proj"}; });
    try {
        load_peft_adapter(*policy, dir);
        ADD_FAILURE() << "accepted an adapter file with extra tensors";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("h.1.attn.c_proj.lora_A.weight' belongs to no adapter"), std::string::npos)
            << e.what();
    }
}

TEST(Lora, MergedExportComputesWhatTheAdapterDoes) {
    const auto b = fixture_batch();
    const auto & expected = lora_cases()["adapters"]["lora_tiny_all"];
    auto policy = tiny_base();
    load_peft_adapter(*policy, test::fixture("lora_tiny_all"));
    const fs::path out = fs::path(test::make_temp_dir("lora_merged")) / "export";
    export_hf(*policy, test::fixture("lora_tiny_base"), out);
    const auto header = test::read_file(out / "model.safetensors").substr(0, 20000);
    EXPECT_EQ(header.find("lora_"), std::string::npos);
    auto merged = load_gpt2_policy(out);
    EXPECT_EQ(adapters_of(*merged), 0);
    EXPECT_LT(max_diff(logits(*merged, b), test::json_tensor(expected["logits"], torch::kFloat32), b.mask), kTolerance);
    // The policy itself still has its adapters (exporting merged does not merge in place).
    EXPECT_EQ(adapters_of(*policy), 8);
}

TEST(Lora, PeftLoadsOurAdapterExport) {
    const auto b = fixture_batch();
    auto policy = tiny_base();
    LoraConfig c;
    c.r = 3;
    c.alpha = 6;
    c.targets = {"c_attn", "mlp.c_proj"};
    apply_lora(*policy, c);
    {
        torch::NoGradGuard no_grad;  // a trained-looking adapter (B away from zero) and value head
        policy->v_head->summary->weight.normal_(0.0, 0.5);
        policy->v_head->summary->bias.fill_(0.25);
        int64_t k = 0;
        for (const auto & s : lora_sites(*policy))
            if (*s.adapter) {
                auto & w = (*s.adapter)->lora_B->weight;
                w.copy_(torch::sin(torch::arange(w.numel(), torch::kFloat32) * 0.31 + static_cast<double>(k++)).view(w.sizes()) * 0.2);
            }
    }
    const auto ours = logits(*policy, b);
    const fs::path work = test::make_temp_dir("lora_peft_export");
    const fs::path out = work / "adapter";
    export_peft_adapter(*policy, c, test::fixture("lora_tiny_base"), test::fixture("lora_tiny_base"), out);
    for (const char * f : {"adapter_config.json", "adapter_model.safetensors", "value_head.safetensors"})
        EXPECT_TRUE(fs::exists(out / f)) << f;

    // Our own reader gets the same model back, value head included.
    auto back = tiny_base();
    load_peft_adapter(*back, out);
    EXPECT_EQ(max_diff(logits(*back, b), ours, b.mask), 0.0);
    EXPECT_TRUE(torch::equal(back->v_head->summary->weight, policy->v_head->summary->weight));
    EXPECT_TRUE(torch::equal(back->v_head->summary->bias, policy->v_head->summary->bias));
    const auto cfg = read_peft_adapter_config(out);
    EXPECT_EQ(cfg.base_model, test::fixture("lora_tiny_base"));
    EXPECT_EQ(cfg.lora.targets, c.targets);

    // PEFT's: PeftModel.from_pretrained(base, our directory).
    const nlohmann::json batch = {{"input_ids", lora_cases()["input_ids"]},
                                  {"attention_mask", lora_cases()["attention_mask"]},
                                  {"position_ids", lora_cases()["position_ids"]}};
    test::write_file(work / "batch.json", batch.dump());
    const auto r = test::run_command(test::shell_quote(test::python()) + " " +
                                     test::shell_quote(test::source("scripts/check_peft_export.py")) + " --adapter " +
                                     test::shell_quote(out.string()) + " --batch " +
                                     test::shell_quote((work / "batch.json").string()) + " --out " +
                                     test::shell_quote((work / "peft.json").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto peft = nlohmann::json::parse(test::read_file(work / "peft.json"));
    EXPECT_EQ(peft["lora_modules"], 4) << peft.dump().substr(0, 300);
    const double diff = max_diff(test::json_tensor(peft["logits"], torch::kFloat32), ours, b.mask);
    const double merged_diff = max_diff(test::json_tensor(peft["merged_logits"], torch::kFloat32), ours, b.mask);
    std::cout << "max |PEFT(our export) - ours| " << diff << ", merged " << merged_diff << "\n";
    EXPECT_LT(diff, kTolerance);
    EXPECT_LT(merged_diff, kTolerance);
    EXPECT_GT(max_diff(ours, logits(*tiny_base(), b), b.mask), 1e-2);  // the adapter mattered
}

TEST(Lora, PolicyOrAdapterDirectoryLoadsEither) {
    const auto b = fixture_batch();
    const auto & expected = lora_cases()["adapters"]["lora_tiny_attn_proj"];
    std::string asked;
    const auto resolve = [&](const std::string & base) {
        asked = base;
        return fs::path(test::fixture("lora_tiny_base"));
    };
    auto loaded = load_policy_or_adapter(test::fixture("lora_tiny_attn_proj"), {}, resolve);
    EXPECT_FALSE(asked.empty());  // the adapter named its base
    EXPECT_EQ(loaded.tokenizer_dir, fs::path(test::fixture("lora_tiny_base")));  // PEFT's save has no tokenizer
    EXPECT_LT(max_diff(logits(*loaded.policy, b), test::json_tensor(expected["logits"], torch::kFloat32), b.mask),
              kTolerance);
    asked.clear();
    auto plain = load_policy_or_adapter(test::fixture("lora_tiny_base"), {}, resolve);
    EXPECT_TRUE(asked.empty());
    EXPECT_EQ(adapters_of(*plain.policy), 0);
}

TEST(Lora, AnAdapterExportOverItsBaseIsRefused) {
    auto policy = tiny_base();
    LoraConfig c;
    c.r = 2;
    apply_lora(*policy, c);
    const fs::path base = fs::path(test::make_temp_dir("lora_over_base")) / "base";
    fs::copy(test::fixture("lora_tiny_base"), base);
    try {
        export_peft_adapter(*policy, c, base.string(), base, base);
        ADD_FAILURE() << "exported over the base";
    } catch (const Error & e) {
        EXPECT_NE(std::string(e.what()).find("not exporting LoRA adapters over their base model"), std::string::npos);
    }
    EXPECT_TRUE(fs::exists(base / "model.safetensors"));
    EXPECT_FALSE(fs::exists(base / "adapter_config.json"));
}

// Autocast keeps bf16 copies only of weights that require grad: the frozen base is
// marked for a no-grad region and frozen again after it.
TEST(Lora, FrozenWeightsAreCacheableInsideTheScopeAndFrozenAfter) {
    auto policy = tiny_base();
    LoraConfig c;
    c.r = 2;
    apply_lora(*policy, c);
    const auto & wte = policy->transformer->wte->weight;
    EXPECT_FALSE(wte.requires_grad());
    {
        CacheFrozenWeightCasts frozen(*policy, true);
        EXPECT_TRUE(wte.requires_grad());
    }
    EXPECT_FALSE(wte.requires_grad());
    {
        CacheFrozenWeightCasts off(*policy, false);
        EXPECT_FALSE(wte.requires_grad());
    }
    for (const auto & p : trainable_parameters(*policy))  // adapters and value head only, as before
        EXPECT_TRUE(p.numel() < wte.numel());
}
