#include "bindings.h"

#include "ragppo/rl.h"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <functional>
#include <map>
#include <string>

namespace ragppo::python {

namespace {

using Setter = std::function<void(PpoParams &, nb::handle)>;

template <class T>
Setter field(T PpoParams::*member) {
    return [member](PpoParams & p, nb::handle v) { p.*member = nb::cast<T>(v); };
}
template <class T>
Setter ppo_field(T PpoConfig::*member) {
    return [member](PpoParams & p, nb::handle v) { p.ppo.*member = nb::cast<T>(v); };
}
template <class T>
Setter lora_field(T LoraConfig::*member) {
    return [member](PpoParams & p, nb::handle v) { p.ppo.lora.*member = nb::cast<T>(v); };
}

// ppo()'s keyword arguments: the names `ragppo ppo`'s flags have (TRL's where TRL
// has one), with `model` and `dataset` as in the CLI.
const std::map<std::string, Setter> & settings() {
    static const std::map<std::string, Setter> table{
        {"model", ppo_field(&PpoConfig::policy_model)},
        {"dataset", ppo_field(&PpoConfig::dataset)},
        {"config", ppo_field(&PpoConfig::dataset_config)},
        {"split", ppo_field(&PpoConfig::dataset_split)},
        {"article_column", field(&PpoParams::article_column)},
        {"summary_column", field(&PpoParams::summary_column)},
        {"id_column", field(&PpoParams::id_column)},
        {"limit", field(&PpoParams::limit)},
        {"eval_samples", field(&PpoParams::eval_samples)},
        {"out_dir", field(&PpoParams::out_dir)},
        {"save_every", field(&PpoParams::save_every)},
        {"keep_checkpoints", field(&PpoParams::keep_checkpoints)},
        {"resume", field(&PpoParams::resume)},
        {"overwrite", field(&PpoParams::overwrite)},
        {"export_model", field(&PpoParams::export_model)},
        {"merge_lora", field(&PpoParams::merge_lora)},
        {"plots", field(&PpoParams::plots)},
        {"device", field(&PpoParams::device)},
        {"n_threads", field(&PpoParams::n_threads)},
        {"quiet", field(&PpoParams::quiet)},
        {"log_every", field(&PpoParams::log_every)},
        {"verify_checkpoint", field(&PpoParams::verify_checkpoint)},
        {"steps", ppo_field(&PpoConfig::steps)},
        {"batch_size", ppo_field(&PpoConfig::batch_size)},
        {"mini_batch_size", ppo_field(&PpoConfig::mini_batch_size)},
        {"ppo_epochs", ppo_field(&PpoConfig::ppo_epochs)},
        {"learning_rate", ppo_field(&PpoConfig::learning_rate)},
        {"seed", ppo_field(&PpoConfig::seed)},
        {"query_max_tokens", ppo_field(&PpoConfig::query_max_tokens)},
        {"max_new_tokens", ppo_field(&PpoConfig::max_new_tokens)},
        {"top_k", ppo_field(&PpoConfig::top_k)},
        {"top_p", ppo_field(&PpoConfig::top_p)},
        {"temperature", ppo_field(&PpoConfig::temperature)},
        {"init_kl_coef", ppo_field(&PpoConfig::init_kl_coef)},
        {"target", ppo_field(&PpoConfig::kl_target)},
        {"horizon", ppo_field(&PpoConfig::kl_horizon)},
        {"adap_kl_ctrl", ppo_field(&PpoConfig::adaptive_kl)},
        {"gamma", ppo_field(&PpoConfig::gamma)},
        {"lam", ppo_field(&PpoConfig::lam)},
        {"cliprange", ppo_field(&PpoConfig::cliprange)},
        {"cliprange_value", ppo_field(&PpoConfig::cliprange_value)},
        {"vf_coef", ppo_field(&PpoConfig::vf_coef)},
        {"whiten_rewards", ppo_field(&PpoConfig::whiten_rewards)},
        {"bf16", ppo_field(&PpoConfig::bf16)},
        {"lora_r", lora_field(&LoraConfig::r)},
        {"lora_alpha", lora_field(&LoraConfig::alpha)},
        {"lora_dropout", lora_field(&LoraConfig::dropout)},
        {"lora_target_modules", lora_field(&LoraConfig::targets)},
    };
    return table;
}

PpoParams params_from(const nb::dict & given) {
    PpoParams p;
    for (auto [key, value] : given) {
        const std::string name = nb::cast<std::string>(key);
        const auto it = settings().find(name);
        if (it == settings().end()) throw nb::type_error(("ppo(): unknown setting '" + name + "'").c_str());
        try {
            it->second(p, value);
        } catch (const nb::cast_error &) {
            throw nb::type_error(("ppo(): " + name + " has the wrong type (" +
                                  nb::cast<std::string>(nb::str(value.type().attr("__name__"))) + ")").c_str());
        }
        // A keyword given is a setting chosen: resume=True refuses one the run contradicts.
        const std::string setting = name == "eval_samples" ? "eval_samples_requested" : name;
        p.chosen.insert(setting);
        p.setting_names[setting] = name;
    }
    return p;
}

}  // namespace

void bind_ppo(nb::module_ & m) {
    m.def(
        "ppo",
        [](const nb::dict & given, nb::object on_step) {
            const PpoParams p = params_from(given);
            std::function<void(const PpoStep &)> callback;
            if (!on_step.is_none()) {
                callback = [on_step](const PpoStep & s) {
                    nb::gil_scoped_acquire held;
                    nb::dict stats;
                    for (const auto & [k, v] : s.stats) stats[k.c_str()] = v;
                    on_step(s.step, stats);
                };
            }
            PpoResult r;
            {
                nb::gil_scoped_release released;
                r = ppo_run(p, callback);
            }
            nb::dict d;
            d["steps_done"] = r.steps_done;
            d["first_step"] = r.first_step;
            d["train_articles"] = r.train_articles;
            d["eval_articles"] = r.eval_articles;
            d["eval_before"] = r.eval_before;
            d["eval_after"] = r.eval_after;
            d["step_rewards"] = r.step_rewards;
            d["out_dir"] = p.out_dir;
            return d;
        },
        nb::arg("settings"), nb::arg("on_step").none() = nb::none());
    m.def("ppo_settings", [] {
        std::vector<std::string> names;
        for (const auto & [k, v] : settings()) names.push_back(k);
        return names;
    }, "The keyword arguments ppo() takes.");
}

}  // namespace ragppo::python
