// PpoConfig to and from JSON, with TRL's field names: config.json of a run
// and the settings a resumed run must reuse to continue identically.
#pragma once

#include "rl/ppo_config.h"

#include <nlohmann/json.hpp>

namespace ragppo::rl {

nlohmann::json ppo_config_to_json(const PpoConfig & cfg);
// Missing keys keep PpoConfig's defaults; a wrong type or an unknown KL
// estimator is a ragppo::Error.
PpoConfig ppo_config_from_json(const nlohmann::json & j);

}  // namespace ragppo::rl
