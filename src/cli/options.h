// Option groups several subcommands share, so flags read the same everywhere.
#pragma once

#include "checks.h"
#include "ragppo.h"

#include <CLI/CLI.hpp>

#include <map>
#include <string>

namespace ragppo::cli {

inline void add_hub_options(CLI::App * cmd, HubParams & hub) {
    cmd->add_option("--cache-dir", hub.cache_dir, "Hub cache directory (default: $HF_HUB_CACHE or ~/.cache/huggingface/hub)");
    cmd->add_flag_function("--offline", [&hub](int64_t) { hub.offline = true; },
                           "Never touch the network; use cached files only (also: HF_HUB_OFFLINE=1)");
}

// `model` is the LLM flag's value: the temperature and penalties the user does not set
// come from default_sampling(model) once the command line is parsed (the embedded
// default LLM has its own; every other model starts from the reference's). This takes the
// subcommand's one parse_complete_callback: call it once per subcommand.
inline void add_sampling_options(CLI::App * cmd, SamplingParams & s, const std::string & model) {
    auto * temperature = cmd->add_option("--temperature", s.temperature,
                    "Sampling temperature, finite and >= 0; 0 = greedy. Default: 0 with the embedded default LLM, "
                    "else 0.7 (the reference)")->check(real_in("--temperature", 0, HUGE_VAL));
    cmd->add_option("--top-k", s.top_k, "Keep the k most likely tokens, >= 0; 0 = off")
        ->capture_default_str()->check(int_in("--top-k", 0, std::numeric_limits<int>::max()));
    cmd->add_option("--top-p", s.top_p, "Nucleus sampling mass, in (0, 1]; 1 = off")
        ->capture_default_str()->check(real_in("--top-p", 0.0, 1.0, /*lo_open=*/true));
    auto * min_p = cmd->add_option("--min-p", s.min_p, "Drop tokens less than min-p times as likely as the top one, in [0, 1]; 0 = off")
        ->capture_default_str()->check(real_in("--min-p", 0.0, 1.0));
    auto * repeat = cmd->add_option("--repeat-penalty", s.repeat_penalty,
                    "Divide the logits of tokens the answer already has by this, > 0; 1 = off (HF repetition_penalty). "
                    "Default: 1.1 with the embedded default LLM, else 1")->check(real_in("--repeat-penalty", 0.0, HUGE_VAL, /*lo_open=*/true));
    auto * presence = cmd->add_option("--presence-penalty", s.presence_penalty, "Subtract this from the logits of tokens the answer already has; 0 = off")
        ->capture_default_str()->check(real_in("--presence-penalty", -2.0, 2.0));
    auto * frequency = cmd->add_option("--frequency-penalty", s.frequency_penalty, "Subtract this per earlier occurrence in the answer; 0 = off")
        ->capture_default_str()->check(real_in("--frequency-penalty", -2.0, 2.0));
    auto * last_n = cmd->add_option("--repeat-last-n", s.penalty_last_n, "The penalties look at this many latest generated tokens, >= 0; 0 = off")
        ->capture_default_str()->check(int_in("--repeat-last-n", 0, std::numeric_limits<int>::max()));
    cmd->add_option("--seed", s.seed, "Random seed (same seed, same output on the same machine)")
        ->capture_default_str()->check(int_in("--seed", 0, std::numeric_limits<uint32_t>::max()));
    cmd->add_option("-n,--max-new-tokens", s.max_new_tokens, "Most tokens to generate, >= 1")
        ->capture_default_str()->check(int_in("-n/--max-new-tokens", 1, kMaxNewTokens));
    cmd->parse_complete_callback([=, &s, &model] {
        const SamplingParams preset = default_sampling(model);
        if (temperature->count() == 0) s.temperature = preset.temperature;
        if (min_p->count() == 0) s.min_p = preset.min_p;
        if (repeat->count() == 0) s.repeat_penalty = preset.repeat_penalty;
        if (presence->count() == 0) s.presence_penalty = preset.presence_penalty;
        if (frequency->count() == 0) s.frequency_penalty = preset.frequency_penalty;
        if (last_n->count() == 0) s.penalty_last_n = preset.penalty_last_n;
    });
}

inline void add_generator_options(CLI::App * cmd, GeneratorParams & g, bool with_hub = true) {
    static const std::map<std::string, ChatFormat> formats{
        {"auto", ChatFormat::Auto}, {"template", ChatFormat::Template}, {"phi3", ChatFormat::Phi3}, {"raw", ChatFormat::Raw}};
    cmd->add_option("-m,--model", g.model, "LLM: GGUF path or Hub id org/name[@rev][:quant] (default: " + default_llm_id() + ")");
    cmd->add_option("--format", g.format,
                    "Prompt format: auto (phi3 for Phi-3 models, else the GGUF's template), template, phi3 (the reference wrapper), raw")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case))->capture_default_str();
    cmd->add_option("--n-ctx", g.n_ctx, "Context window in tokens")->capture_default_str()->check(int_in("--n-ctx", 1, 1 << 24));
    cmd->add_option("-t,--threads", g.n_threads, "CPU threads; 0 = all")->capture_default_str()->check(int_in("--threads", 0, 4096));
    if (with_hub) add_hub_options(cmd, g.hub);
}

inline void add_embedder_options(CLI::App * cmd, EmbedderParams & e, bool with_hub = true) {
    static const std::map<std::string, Pooling> poolings{
        {"model", Pooling::FromModel}, {"cls", Pooling::Cls}, {"mean", Pooling::Mean}, {"last", Pooling::Last}};
    cmd->add_option("--embed-model", e.model,
                    "Embedding model: GGUF path or Hub id (default: all-MiniLM-L6-v2, " + default_embedder_f32_id() +
                        ", or its -BF16- twin on CPUs with AVX512_BF16; RAGPPO_EMBED_DTYPE=f32|bf16)");
    cmd->add_option("--pooling", e.pooling, "Pooling: model (from the GGUF), cls, mean, last")
        ->transform(CLI::CheckedTransformer(poolings, CLI::ignore_case));
    cmd->add_option("--query-instruction", e.query_instruction,
                    "Prefix for queries only (BGE: 'Represent this question for searching relevant passages: ')");
    cmd->add_option("--max-tokens", e.max_tokens, "Truncate texts to this many tokens; 0 = the model's limit")
        ->check(int_in("--max-tokens", 0, 1 << 24));
    if (with_hub) add_hub_options(cmd, e.hub);
}

}  // namespace ragppo::cli
