// The PPO settings (their definitions are public: include/ragppo/rl.h), by their
// names in rl::, and the KL estimator's names as TRL spells them.
#pragma once

#include "ragppo/rl.h"  // KlEstimator, LoraConfig, PpoConfig

#include <optional>
#include <string_view>

namespace ragppo::rl {

using ragppo::KlEstimator;
using ragppo::LoraConfig;
using ragppo::PpoConfig;

// "kl" (or "k1"), "abs", "mse" (or "k2"), "full", "k3"; nullopt for anything else.
std::optional<KlEstimator> parse_kl_estimator(std::string_view name);
// TRL's name where TRL has one ("kl", "abs", "mse", "full"), else "k3".
std::string_view kl_estimator_name(KlEstimator e);

}  // namespace ragppo::rl
