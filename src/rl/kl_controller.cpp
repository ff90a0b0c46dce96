#include "rl/kl_controller.h"

#include <algorithm>

namespace ragppo::rl {

AdaptiveKlController::AdaptiveKlController(double init_kl_coef, double target, double horizon)
    : value_(init_kl_coef), target_(target), horizon_(horizon) {}

// TRL AdaptiveKLController.update, in double precision like numpy.
void AdaptiveKlController::update(double current, int64_t n_steps) {
    const double proportional_error = std::clamp(current / target_ - 1.0, -0.2, 0.2);
    const double mult = 1.0 + proportional_error * static_cast<double>(n_steps) / horizon_;
    value_ *= mult;
}

std::unique_ptr<KlController> make_kl_controller(const PpoConfig & cfg) {
    if (cfg.adaptive_kl) return std::make_unique<AdaptiveKlController>(cfg.init_kl_coef, cfg.kl_target, cfg.kl_horizon);
    return std::make_unique<FixedKlController>(cfg.init_kl_coef);
}

}  // namespace ragppo::rl
