// The KL coefficient of the reward penalty: TRL 0.11.4's AdaptiveKLController
// and FixedKLController (trl/trainer/utils.py). The trainer reads value() for
// the rewards of a step, then calls update(objective/kl of that step, batch size).
#pragma once

#include "rl/ppo_config.h"

#include <cstdint>
#include <memory>

namespace ragppo::rl {

class KlController {
public:
    virtual ~KlController() = default;
    virtual double value() const = 0;
    // current: the step's objective/kl (mean over sequences of the summed
    // per-token KL); n_steps: the number of rollouts in the step (TRL passes
    // batch_size * num_processes).
    virtual void update(double current, int64_t n_steps) = 0;
    // Restores a saved coefficient (resuming from a checkpoint).
    virtual void set_value(double v) = 0;
};

// Ziegler et al. 2019: proportional_error = clip(current / target - 1, -0.2, 0.2),
// value *= 1 + proportional_error * n_steps / horizon.
class AdaptiveKlController final : public KlController {
public:
    AdaptiveKlController(double init_kl_coef, double target, double horizon);
    double value() const override { return value_; }
    void update(double current, int64_t n_steps) override;
    void set_value(double v) override { value_ = v; }

private:
    double value_;
    double target_;
    double horizon_;
};

class FixedKlController final : public KlController {
public:
    explicit FixedKlController(double kl_coef) : value_(kl_coef) {}
    double value() const override { return value_; }
    void update(double, int64_t) override {}
    void set_value(double v) override { value_ = v; }

private:
    double value_;
};

// Adaptive (init_kl_coef, kl_target, kl_horizon) when cfg.adaptive_kl, else fixed at init_kl_coef.
std::unique_ptr<KlController> make_kl_controller(const PpoConfig & cfg);

}  // namespace ragppo::rl
