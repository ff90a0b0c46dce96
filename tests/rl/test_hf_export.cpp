// rl/hf_export: a trained policy written as a Hugging Face checkpoint reads
// back identically through our loader, through transformers and TRL (run by
// scripts/check_hf_export.py in the build-tools venv), keeps the tokenizer, and
// replaces an earlier export only once the new one is complete.
#include "gpt2_fixtures.h"
#include "ragppo.h"
#include "rl/gpt2_load.h"
#include "rl/hf_export.h"
#include "rl/safetensors_writer.h"
#include "support/files.h"
#include "support/process.h"
#include "text/gpt2_tokenizer.h"
#include "util/atomic_write.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

using namespace ragppo;
using namespace ragppo::rl;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-4;

// The tiny GPT-2 with a TRL value head, every parameter shifted by a
// deterministic pattern (`salt` picks the pattern), so an export that wrote
// the source's weights, or the wrong tensor somewhere, cannot pass.
Gpt2Policy perturbed_tiny(double salt) {
    test::use_one_torch_thread();
    auto policy = load_gpt2_policy(test::fixture("gpt2_tiny_vhead"));
    torch::NoGradGuard no_grad;
    int64_t k = 0;
    for (auto & p : policy->parameters()) {
        const auto wave = torch::sin(torch::arange(p.numel(), torch::kFloat32) * 0.37 + salt + 1.3 * k++);
        p.add_(0.05 * wave.view(p.sizes()));
    }
    return policy;
}

// A source checkpoint as the trainer sees one: the model's config.json and
// generation_config.json plus a real tokenizer's files (fixtures/gpt2/checkpoint).
fs::path source_checkpoint() {
    const fs::path dir = test::make_temp_dir("hf_src");
    for (const char * name : {"config.json", "generation_config.json", "model.safetensors"})
        fs::copy_file(fs::path(test::fixture("gpt2_tiny_vhead")) / name, dir / name);
    for (const auto & entry : fs::directory_iterator(test::fixture("gpt2/checkpoint")))
        fs::copy_file(entry.path(), dir / entry.path().filename());
    return dir;
}

double max_abs_diff(const torch::Tensor & a, const torch::Tensor & b, const torch::Tensor & mask = {}) {
    auto diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs();
    if (mask.defined()) {
        auto keep = mask.to(torch::kBool);
        while (keep.dim() < diff.dim()) keep = keep.unsqueeze(-1);
        diff = diff.masked_fill(~keep, 0.0);
    }
    return diff.max().item<double>();
}

struct Batch {
    torch::Tensor ids, mask, positions;
};

// Left-padded rows with explicit positions: what rollouts feed the model.
Batch left_padded_batch() {
    const auto & b = test::gpt2_tiny_batch("left_padding");
    return {test::json_tensor(b["input_ids"], torch::kInt64), test::json_tensor(b["attention_mask"], torch::kInt64),
            test::json_tensor(b["position_ids"], torch::kInt64)};
}

// The raw safetensors header of `path` as JSON.
nlohmann::json safetensors_header(const fs::path & path) {
    const std::string bytes = test::read_file(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    return nlohmann::json::parse(bytes.substr(8, n));
}

size_t hidden_entries(const fs::path & parent) {
    size_t n = 0;
    for (const auto & e : fs::directory_iterator(parent)) n += e.path().filename().string()[0] == '.';
    return n;
}

}  // namespace

TEST(HfExport, OurLoaderReadsTheExportBackExactly) {
    auto policy = perturbed_tiny(0.0);
    const fs::path source = source_checkpoint();
    const fs::path out = fs::path(test::make_temp_dir("hf_out")) / "export";
    export_hf(*policy, source, out);

    for (const char * name : {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "vocab.json",
                              "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"})
        EXPECT_TRUE(fs::is_regular_file(out / name)) << name;
    for (const char * name : {"tokenizer.json", "vocab.json", "merges.txt", "generation_config.json"})
        EXPECT_EQ(test::read_file(out / name), test::read_file(source / name)) << name;

    // save_pretrained's layout: Conv1D [in, out], no tied lm_head, TRL's v_head keys, format pt.
    const auto header = safetensors_header(out / "model.safetensors");
    EXPECT_EQ(header["__metadata__"], nlohmann::json({{"format", "pt"}}));
    EXPECT_FALSE(header.contains("lm_head.weight"));
    EXPECT_EQ(header["transformer.h.0.mlp.c_fc.weight"]["shape"], nlohmann::json({32, 128}));
    EXPECT_EQ(header["transformer.h.1.attn.c_attn.weight"]["shape"], nlohmann::json({32, 96}));
    EXPECT_EQ(header["v_head.summary.weight"]["shape"], nlohmann::json({1, 32}));
    EXPECT_EQ(header["v_head.summary.bias"]["shape"], nlohmann::json({1}));
    const auto source_header = safetensors_header(source / "model.safetensors");
    EXPECT_EQ(header.size(), source_header.size());  // the same tensor names as TRL's save of this model
    for (const auto & [name, entry] : source_header.items())
        if (name != "__metadata__") EXPECT_EQ(header[name]["shape"], entry["shape"]) << name;

    // config.json: the source's fields, the policy's architecture.
    const auto config = nlohmann::json::parse(test::read_file(out / "config.json"));
    EXPECT_EQ(config["vocab_size"], 1000);
    EXPECT_EQ(config["n_layer"], 2);
    EXPECT_EQ(config["bos_token_id"], 999);
    EXPECT_EQ(config["dtype"], "float32");
    EXPECT_EQ(config["architectures"], nlohmann::json({"GPT2LMHeadModel"}));

    const auto b = left_padded_batch();
    const auto ours = policy->forward(b.ids, b.mask, b.positions);
    const auto back = load_gpt2_policy(out)->forward(b.ids, b.mask, b.positions);
    EXPECT_EQ(max_abs_diff(back.logits, ours.logits), 0.0);
    EXPECT_EQ(max_abs_diff(back.values, ours.values), 0.0);
    // The perturbation changed the model: the source checkpoint computes something else.
    const auto original = load_gpt2_policy(source)->forward(b.ids, b.mask, b.positions);
    EXPECT_GT(max_abs_diff(original.logits, ours.logits, b.mask), 1e-2);
    EXPECT_GT(max_abs_diff(original.values, ours.values, b.mask), 1e-2);
}

TEST(HfExport, TransformersAndTrlReadTheExport) {
    auto policy = perturbed_tiny(0.0);
    const fs::path source = source_checkpoint();
    const fs::path work = test::make_temp_dir("hf_check");
    const fs::path out = work / "export";
    export_hf(*policy, source, out);

    const auto b = left_padded_batch();
    const nlohmann::json batch = {{"input_ids", test::gpt2_tiny_batch("left_padding")["input_ids"]},
                                  {"attention_mask", test::gpt2_tiny_batch("left_padding")["attention_mask"]},
                                  {"position_ids", test::gpt2_tiny_batch("left_padding")["position_ids"]}};
    test::write_file(work / "batch.json", batch.dump());
    const std::string text = "Summarize: the <|summarize|> council voted 7-2 on Tuesday.<|endoftext|>";
    const auto r = test::run_command(test::shell_quote(test::python()) + " " +
                                     test::shell_quote(test::source("scripts/check_hf_export.py")) + " --export " +
                                     test::shell_quote(out.string()) + " --batch " +
                                     test::shell_quote((work / "batch.json").string()) + " --text " +
                                     test::shell_quote(text) + " --out " + test::shell_quote((work / "hf.json").string()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto hf = nlohmann::json::parse(test::read_file(work / "hf.json"));

    EXPECT_EQ(hf["model_class"], "GPT2LMHeadModel");
    EXPECT_TRUE(hf["missing_keys"].empty()) << hf["missing_keys"].dump();
    EXPECT_TRUE(hf["mismatched_keys"].empty()) << hf["mismatched_keys"].dump();
    EXPECT_EQ(hf["unexpected_keys"], nlohmann::json({"v_head.summary.bias", "v_head.summary.weight"}));
    EXPECT_TRUE(hf["tied"].get<bool>());

    const auto ours = policy->forward(b.ids, b.mask, b.positions);
    const double logit_diff = max_abs_diff(test::json_tensor(hf["logits"], torch::kFloat32), ours.logits, b.mask);
    const double trl_logit_diff = max_abs_diff(test::json_tensor(hf["trl_logits"], torch::kFloat32), ours.logits, b.mask);
    const double value_diff = max_abs_diff(test::json_tensor(hf["values"], torch::kFloat32), ours.values, b.mask);
    std::cout << "max |transformers - ours| logits " << logit_diff << ", TRL logits " << trl_logit_diff
              << ", TRL values " << value_diff << "\n";
    EXPECT_LT(logit_diff, kTolerance);
    EXPECT_LT(trl_logit_diff, kTolerance);
    EXPECT_LT(value_diff, kTolerance);

    // The tokenizer came along: HF's reading of the export = ours of the source.
    const auto tok = text::Gpt2Tokenizer::from_directory(source);
    EXPECT_EQ(hf["tokenizer_len"].get<size_t>(), tok.vocab_size());
    EXPECT_EQ(hf["tokenizer_len"].get<size_t>(), 50260u);
    EXPECT_EQ(hf["text_ids"].get<std::vector<int32_t>>(), tok.encode(text));
}

TEST(HfExport, UntiedHeadIsSavedAndReadBack) {
    test::use_one_torch_thread();
    auto config = read_gpt2_config(test::fixture("gpt2_tiny_vhead"));
    config.tie_word_embeddings = false;
    Gpt2Policy policy(config);
    auto tensors = read_checkpoint_tensors(test::fixture("gpt2_tiny_vhead"));
    tensors["lm_head.weight"] = tensors.at("transformer.wte.weight").flip(0).contiguous();  // unlike wte
    load_gpt2_weights(*policy, tensors, "gpt2_tiny_vhead");
    policy->eval();

    const fs::path out = fs::path(test::make_temp_dir("hf_untied")) / "export";
    export_hf(*policy, test::fixture("gpt2_tiny_vhead"), out);
    EXPECT_TRUE(safetensors_header(out / "model.safetensors").contains("lm_head.weight"));
    EXPECT_EQ(nlohmann::json::parse(test::read_file(out / "config.json"))["tie_word_embeddings"], false);
    auto back = load_gpt2_policy(out);
    EXPECT_FALSE(back->config().tie_word_embeddings);
    const auto b = left_padded_batch();
    EXPECT_EQ(max_abs_diff(back->forward(b.ids, b.mask, b.positions).logits,
                           policy->forward(b.ids, b.mask, b.positions).logits),
              0.0);
}

TEST(HfExport, KeepsTheWeightsDtype) {
    auto policy = perturbed_tiny(0.5);
    policy->to(torch::kBFloat16);
    const fs::path out = fs::path(test::make_temp_dir("hf_bf16")) / "export";
    export_hf(*policy, test::fixture("gpt2_tiny_vhead"), out);
    const auto header = safetensors_header(out / "model.safetensors");
    for (const auto & [name, entry] : header.items())
        if (name != "__metadata__") EXPECT_EQ(entry["dtype"], "BF16") << name;
    EXPECT_EQ(nlohmann::json::parse(test::read_file(out / "config.json"))["dtype"], "bfloat16");
    const auto written = read_checkpoint_tensors(out);
    for (const auto & [name, tensor] : hf_state_dict(*policy))
        EXPECT_TRUE(torch::equal(written.at(name), tensor.contiguous())) << name;
}

TEST(HfExport, SafetensorsWriterLayout) {
    const fs::path path = fs::path(test::make_temp_dir("st")) / "mixed.safetensors";
    TensorMap tensors = {
        {"b_int8", torch::arange(5, torch::kInt8)},
        {"a_f64", torch::tensor({1.5, -2.25, 1e300}, torch::kFloat64)},
        {"c_f32_strided", torch::arange(6, torch::kFloat32).view({2, 3}).t()},
        {"d_bool", torch::tensor({true, false, true})},
        {"e_empty", torch::empty({0, 4}, torch::kFloat16)},
    };
    write_safetensors(path, tensors, {{"format", "pt"}});
    const auto back = read_safetensors(path);
    ASSERT_EQ(back.size(), tensors.size());
    for (const auto & [name, tensor] : tensors) {
        EXPECT_EQ(back.at(name).scalar_type(), tensor.scalar_type()) << name;
        EXPECT_TRUE(torch::equal(back.at(name), tensor)) << name;
    }
    // The layout the safetensors library checks: header padded to 8 bytes, the
    // offsets tiling the data with no gap, each tensor aligned to its element size.
    const std::string bytes = test::read_file(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    EXPECT_EQ(n % 8, 0u);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (const auto & [name, entry] : header.items()) {
        if (name == "__metadata__") continue;
        const auto off = entry["data_offsets"].get<std::vector<uint64_t>>();
        EXPECT_EQ(off[0] % back.at(name).element_size(), 0u) << name;
        spans.emplace_back(off[0], off[1]);
    }
    std::sort(spans.begin(), spans.end());
    uint64_t end = 0;
    for (const auto & [b, e] : spans) {
        EXPECT_EQ(b, end);
        end = e;
    }
    EXPECT_EQ(8 + n + end, bytes.size());

    EXPECT_NE(test::error_of([&] { write_safetensors(path, {{"x", torch::zeros({2}, torch::kComplexFloat)}}); })
                  .find("dtype"),
              std::string::npos);
    EXPECT_TRUE(torch::equal(read_safetensors(path).at("a_f64"), tensors.at("a_f64")));  // the failed write left it
}

TEST(HfExport, AFailedOrKilledExportLeavesTheOldOneComplete) {
    auto old_policy = perturbed_tiny(1.0);
    auto new_policy = perturbed_tiny(2.0);
    const fs::path source = source_checkpoint();
    const fs::path parent = test::make_temp_dir("hf_kill");
    const fs::path out = parent / "export";
    const auto old_wte = hf_state_dict(*old_policy).at("transformer.wte.weight").contiguous();
    const auto new_wte = hf_state_dict(*new_policy).at("transformer.wte.weight").contiguous();

    // Which complete export the directory holds: 'A' (old), 'B' (new) or '?'.
    // On a filesystem without RENAME_EXCHANGE a kill between the two renames
    // leaves the old export moved aside; recover_dir (what the next export
    // runs first) puts it back.
    auto which = [&]() -> char {
        util::recover_dir(out);
        for (const char * name : {"config.json", "tokenizer.json", "generation_config.json"})
            if (!fs::is_regular_file(out / name)) return '?';
        const auto wte = load_gpt2_policy(out)->transformer->wte->weight;
        return torch::equal(wte, old_wte) ? 'A' : torch::equal(wte, new_wte) ? 'B' : '?';
    };

    // A write that throws part-way: the error comes out, the old export stays.
    export_hf(*old_policy, source, out);
    util::set_write_hook([](std::string_view stage) {
        if (stage == "file:model.safetensors") throw Error("disk full (simulated)");
    });
    EXPECT_EQ(test::error_of([&] { export_hf(*new_policy, source, out); }), "disk full (simulated)");
    util::set_write_hook(nullptr);
    EXPECT_EQ(which(), 'A');
    EXPECT_EQ(hidden_entries(parent), 0u);

    // A writer SIGKILLed at each stage, in a forked child: the old export until the swap, the new after.
    const std::vector<std::pair<std::string, char>> stages = {
        {"tmp-created", 'A'}, {"file:config.json", 'A'}, {"file:model.safetensors", 'A'}, {"file:tokenizer.json", 'A'},
        {"synced", 'A'},      {"moved-aside", 'A'},      {"swapped", 'B'},
    };
    for (bool exchange : {true, false}) {
        for (const auto & [stage, expect] : stages) {
            if (exchange && stage == "moved-aside") continue;  // only the two-rename fallback has it
            SCOPED_TRACE((exchange ? "rename exchange, " : "two renames, ") + stage);
            export_hf(*old_policy, source, out);
            std::cout.flush();
            const pid_t pid = fork();
            if (pid == 0) {
                util::set_rename_exchange(exchange);
                util::set_write_hook([stage = stage](std::string_view s) {
                    if (s == stage) raise(SIGKILL);
                });
                try {
                    export_hf(*new_policy, source, out);
                } catch (...) {
                    _exit(1);
                }
                _exit(0);
            }
            int status = 0;
            waitpid(pid, &status, 0);
            ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
            EXPECT_EQ(which(), expect);
            // The next export cleans up what the dead one left and succeeds.
            export_hf(*new_policy, source, out);
            EXPECT_EQ(which(), 'B');
            EXPECT_EQ(hidden_entries(parent), 0u);
        }
    }
}

TEST(HfExport, RefusesToReplaceWhatIsNotAnExport) {
    auto policy = perturbed_tiny(0.0);
    const fs::path parent = test::make_temp_dir("hf_refuse");
    test::write_file(parent / "a_file", "x");
    EXPECT_NE(test::error_of([&] { export_hf(*policy, test::fixture("gpt2_tiny_vhead"), parent / "a_file"); })
                  .find("is not a directory"),
              std::string::npos);
    test::write_file(parent / "notes" / "todo.txt", "keep me");
    const std::string msg = test::error_of([&] { export_hf(*policy, test::fixture("gpt2_tiny_vhead"), parent / "notes"); });
    EXPECT_NE(msg.find("not a model directory"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_EQ(test::read_file(parent / "notes" / "todo.txt"), "keep me");
    // An empty directory is fine to fill.
    fs::create_directories(parent / "empty");
    export_hf(*policy, test::fixture("gpt2_tiny_vhead"), parent / "empty");
    EXPECT_TRUE(fs::is_regular_file(parent / "empty" / "model.safetensors"));
}

TEST(HfExport, WithoutASourceConfigTheConfigComesFromThePolicy) {
    auto policy = perturbed_tiny(3.0);
    const fs::path empty_source = test::make_temp_dir("hf_nosrc");
    const fs::path out = fs::path(test::make_temp_dir("hf_nosrc_out")) / "export";
    export_hf(*policy, empty_source, out);
    const auto config = nlohmann::json::parse(test::read_file(out / "config.json"));
    EXPECT_EQ(config["model_type"], "gpt2");
    EXPECT_EQ(config["torch_dtype"], "float32");
    EXPECT_EQ(config["n_embd"], 32);
    EXPECT_TRUE(config["n_inner"].is_null());
    EXPECT_FALSE(fs::exists(out / "tokenizer.json"));  // nothing to copy
    const auto b = left_padded_batch();
    EXPECT_EQ(max_abs_diff(load_gpt2_policy(out)->forward(b.ids, b.mask, b.positions).values,
                           policy->forward(b.ids, b.mask, b.positions).values),
              0.0);
}
