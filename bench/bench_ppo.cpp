// One PPO step of ragppo (batched rollout, ROUGE-1 reward, PpoTrainer::step), for
// bench/run.sh's `ppo` section beside TRL's (bench/trl_ppo_worker.py).
//
//   ragppo-bench-ppo --model DIR --data FILE [--query-tokens 512] [--new-tokens 128]
//                    [--threads N] [--device cpu|cuda] [--seed 0] [--bf16]
//
// DIR: a GPT-2 checkpoint with its tokenizer (bench/make_ppo_model.py writes it);
// FILE: one JSON object per line with "article" and "highlights", one per rollout
// (the batch size is their number). Each article is cut to --query-tokens tokens
// and must have that many. Every response has exactly --new-tokens tokens: EOS is
// masked out until then (RolloutParams::min_new_tokens, as TRL's side does with
// generate(min_new_tokens=...)), so both sides do the same work.
// A worker driven over stdin/stdout like ragppo-bench-embed: it prints its settings
// once loaded and warmed up, then each input line "run" does one PPO step
// (rollout -> reward -> step; the policy keeps training from step to step) and
// prints its timings.
#include "metrics/rouge.h"
#include "rl/gpt2_load.h"
#include "rl/ppo_trainer.h"
#include "rl/rollout.h"
#include "rl/summarize.h"
#include "ragppo/util.h"
#include "ragppo.h"

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace ragppo;

namespace {

struct Article {
    std::string article, highlights;
};

std::vector<Article> read_articles(const std::string & path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read " + path);
    std::vector<Article> out;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        out.push_back({j.at("article").get<std::string>(), j.at("highlights").get<std::string>()});
    }
    if (out.empty()) throw Error("no articles in " + path);
    return out;
}

double seconds_since(Clock::time_point t0) { return ms_since(t0) / 1000.0; }

// 64-bit FNV-1a over the query ids (each as 4 little-endian bytes), in order: the TRL
// worker computes the same, so the bench can check both sides read the same tokens.
std::string fingerprint(const std::vector<std::vector<int32_t>> & queries) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const auto & q : queries)
        for (int32_t id : q)
            for (int b = 0; b < 4; ++b) {
                h ^= (static_cast<uint32_t>(id) >> (8 * b)) & 0xFFu;
                h *= 0x100000001b3ULL;
            }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

int main(int argc, char ** argv) try {
    std::string model_dir, data_path, device_name = "cpu";
    int64_t query_tokens = 512, new_tokens = 128;
    int threads = 2;
    uint64_t seed = 0;
    bool bf16 = false;  // PpoConfig::bf16: BF16 autocast in the rollout and the PPO passes
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc) throw Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--model") model_dir = next();
        else if (a == "--data") data_path = next();
        else if (a == "--query-tokens") query_tokens = std::atoll(next());
        else if (a == "--new-tokens") new_tokens = std::atoll(next());
        else if (a == "--threads") threads = std::atoi(next());
        else if (a == "--device") device_name = next();
        else if (a == "--seed") seed = std::strtoull(next(), nullptr, 10);
        else if (a == "--bf16") bf16 = true;
        else throw Error("unknown argument: " + a);
    }
    if (model_dir.empty() || data_path.empty()) throw Error("--model DIR and --data FILE are required");
    if (query_tokens < 1 || new_tokens < 1 || threads < 1) throw Error("token counts and threads must be positive");
    torch::set_num_threads(threads);

    const auto articles = read_articles(data_path);
    auto t0 = Clock::now();
    rl::PpoConfig cfg;  // TRL's defaults with the notebook's overrides: lr 1.41e-5, 4 epochs, batch = mini-batch
    cfg.batch_size = cfg.mini_batch_size = static_cast<int64_t>(articles.size());
    cfg.seed = seed;
    cfg.query_max_tokens = query_tokens;
    cfg.max_new_tokens = new_tokens;
    cfg.bf16 = bf16;
    rl::Gpt2LoadOptions lo;
    lo.device = torch::Device(device_name);
    torch::manual_seed(seed);
    auto policy = rl::load_gpt2_policy(model_dir, lo);
    const auto tok = rl::load_checkpoint_tokenizer(model_dir);
    const int64_t eos = tok.eos_token_id().value_or(50256);
    rl::PpoTrainer trainer(policy, rl::frozen_copy(*policy), cfg, /*pad_id=*/0);
    auto rng = rl::make_cpu_generator(seed + 1);
    const double load_s = seconds_since(t0);

    std::vector<std::vector<int32_t>> queries;
    for (size_t i = 0; i < articles.size(); ++i) {
        queries.push_back(rl::article_query(tok, articles[i].article, query_tokens));
        if (static_cast<int64_t>(queries.back().size()) != query_tokens)
            throw Error("article " + std::to_string(i) + " has only " + std::to_string(queries.back().size()) +
                        " tokens, " + std::to_string(query_tokens) + " are needed");
    }

    rl::RolloutParams rp;  // pure ancestral sampling (top_k 0, top_p 1, temperature 1)
    rp.max_new_tokens = rp.min_new_tokens = new_tokens;
    rp.eos_id = eos;
    rp.pad_id = 0;
    rp.bf16 = bf16;

    // Warm-up: the prompt pass and a few decode steps (allocator, kernels), no PPO step.
    t0 = Clock::now();
    {
        auto warm = rp;
        warm.max_new_tokens = warm.min_new_tokens = std::min<int64_t>(4, new_tokens);
        auto warm_rng = rl::make_cpu_generator(seed + 2);
        rl::rollout(*policy, queries, warm, warm_rng);
    }
    const double warmup_s = seconds_since(t0);

    int64_t n_params = 0;
    for (const auto & p : policy->parameters()) n_params += p.numel();
    const auto & mc = policy->config();
    nlohmann::json ready;
    ready["contender"] = "ragppo";
    ready["device"] = device_name;
    ready["bf16"] = bf16;
    ready["threads"] = threads;
    ready["torch_threads"] = torch::get_num_threads();
    ready["batch_size"] = cfg.batch_size;
    ready["mini_batch_size"] = cfg.mini_batch_size;
    ready["ppo_epochs"] = cfg.ppo_epochs;
    ready["learning_rate"] = cfg.learning_rate;
    ready["query_tokens"] = query_tokens;
    ready["new_tokens"] = new_tokens;
    ready["queries_fnv1a"] = fingerprint(queries);
    ready["model"] = {{"n_layer", mc.n_layer}, {"n_embd", mc.n_embd}, {"n_head", mc.n_head},
                      {"vocab_size", mc.vocab_size}, {"n_positions", mc.n_positions}, {"parameters", n_params}};
    ready["eos_id"] = eos;
    ready["load_s"] = load_s;
    ready["warmup_s"] = warmup_s;
    ready["torch"] = TORCH_VERSION;
    std::cout << ready.dump() << std::endl;

    for (std::string cmd; std::getline(std::cin, cmd);) {
        nlohmann::json reply;
        if (cmd == "run") {
            const auto t_total = Clock::now();
            t0 = Clock::now();
            const auto seqs = rl::rollout(*policy, queries, rp, rng);  // tokens come back to the CPU: synchronised
            const double generate_s = seconds_since(t0);

            t0 = Clock::now();
            std::vector<std::vector<int32_t>> responses;
            std::vector<double> scores;
            for (size_t i = 0; i < seqs.size(); ++i) {
                responses.push_back(seqs[i].response);
                scores.push_back(metrics::rouge1_f1(articles[i].highlights, rl::response_text(tok, seqs[i].response)));
            }
            const double reward_s = seconds_since(t0);

            t0 = Clock::now();
            const auto stats = trainer.step(queries, responses, scores);  // its statistics are read back: synchronised
            const double step_s = seconds_since(t0);

            std::vector<size_t> lengths;
            for (const auto & r : responses) lengths.push_back(r.size());
            reply["generate_s"] = generate_s;
            reply["reward_s"] = reward_s;
            reply["step_s"] = step_s;
            reply["total_s"] = seconds_since(t_total);
            reply["response_tokens"] = lengths;
            reply["scores"] = scores;
            rusage ru{};
            getrusage(RUSAGE_SELF, &ru);
            reply["max_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
            nlohmann::json ppo;
            for (const auto & [k, v] : stats)
                if (k.rfind("time/", 0) == 0 || k == "objective/kl" || k == "ppo/loss/total") ppo[k] = v;
            reply["stats"] = ppo;
        } else {
            reply["error"] = "unknown command: " + cmd;
        }
        std::cout << reply.dump() << std::endl;
    }
    return 0;
} catch (const std::exception & ex) {
    std::fprintf(stderr, "ragppo-bench-ppo: error: %s\n", ex.what());
    return 1;
}
