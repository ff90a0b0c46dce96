#include "rl/ppo_config_json.h"

#include "ragppo.h"

namespace ragppo::rl {

namespace {

// One table of (name, member) for both directions, so a new field cannot be
// saved and then forgotten on load.
template <class Cfg, class F>
void for_each_field(Cfg & c, F && f) {
    f("model_name", c.policy_model);
    f("dataset", c.dataset);
    f("dataset_config", c.dataset_config);
    f("dataset_split", c.dataset_split);
    f("query_max_tokens", c.query_max_tokens);
    f("max_new_tokens", c.max_new_tokens);
    f("top_k", c.top_k);
    f("top_p", c.top_p);
    f("temperature", c.temperature);
    f("learning_rate", c.learning_rate);
    f("batch_size", c.batch_size);
    f("mini_batch_size", c.mini_batch_size);
    f("ppo_epochs", c.ppo_epochs);
    f("steps", c.steps);
    f("seed", c.seed);
    f("value_head_zero_init", c.value_head_zero_init);
    f("adap_kl_ctrl", c.adaptive_kl);
    f("init_kl_coef", c.init_kl_coef);
    f("target", c.kl_target);
    f("horizon", c.kl_horizon);
    f("gamma", c.gamma);
    f("lam", c.lam);
    f("whiten_rewards", c.whiten_rewards);
    f("cliprange", c.cliprange);
    f("cliprange_value", c.cliprange_value);
    f("vf_coef", c.vf_coef);
    f("ratio_threshold", c.ratio_threshold);
    f("early_stopping", c.early_stopping);
    f("target_kl", c.target_kl);
    f("dropout_in_rollout", c.dropout_in_rollout);
    f("dropout_in_ppo", c.dropout_in_ppo);
    f("pad_is_eos", c.pad_is_eos);
    f("pad_queries_to_max", c.pad_queries_to_max);
    f("score_on_padded_end", c.score_on_padded_end);
    f("step_optimizer_on_skipped_minibatch", c.step_optimizer_on_skipped_minibatch);
    f("bf16", c.bf16);
    // PEFT's LoraConfig names, lora_ in front where PEFT's is bare.
    f("lora_r", c.lora.r);
    f("lora_alpha", c.lora.alpha);
    f("lora_dropout", c.lora.dropout);
    f("lora_target_modules", c.lora.targets);
}

}  // namespace

nlohmann::json ppo_config_to_json(const PpoConfig & cfg) {
    nlohmann::json j;
    for_each_field(cfg, [&](const char * name, const auto & v) { j[name] = v; });
    j["max_grad_norm"] = cfg.max_grad_norm ? nlohmann::json(*cfg.max_grad_norm) : nlohmann::json(nullptr);
    j["kl_penalty"] = std::string(kl_estimator_name(cfg.kl_estimator));
    return j;
}

PpoConfig ppo_config_from_json(const nlohmann::json & j) {
    PpoConfig cfg;
    try {
        for_each_field(cfg, [&](const char * name, auto & v) {
            if (j.contains(name)) v = j.at(name).get<std::decay_t<decltype(v)>>();
        });
        if (j.contains("max_grad_norm") && !j.at("max_grad_norm").is_null()) cfg.max_grad_norm = j.at("max_grad_norm").get<double>();
    } catch (const nlohmann::json::exception & e) {
        throw Error(std::string("bad PPO settings: ") + e.what());
    }
    if (j.contains("kl_penalty")) {
        const auto e = parse_kl_estimator(j.at("kl_penalty").get<std::string>());
        if (!e) throw Error("bad PPO settings: unknown kl_penalty " + j.at("kl_penalty").dump());
        cfg.kl_estimator = *e;
    }
    return cfg;
}

}  // namespace ragppo::rl
