// One PPO optimisation step on a batch of (query, response, score) triples:
// TRL 0.11.4's classic PPOTrainer.step, read top to bottom in ppo_trainer.cpp.
// The trainer owns the policy (with its value head), the frozen reference
// model, Adam, the KL controller and the RNG that shuffles mini-batches: all
// the state a checkpoint must hold (ppo_checkpoint.h) besides the data cursor.
#pragma once

#include "rl/data_parallel.h"
#include "rl/gpt2_model.h"
#include "rl/kl_controller.h"
#include "rl/ppo_advantages.h"
#include "rl/ppo_batch.h"
#include "rl/ppo_config.h"
#include "rl/ppo_loss.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <vector>

namespace ragppo::rl {

// The loss became NaN or infinite: the step is abandoned before any optimiser
// update from that mini-batch; the caller keeps its last good checkpoint.
struct NonFiniteLoss : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws ragppo::Error, one line, unless the batch and the mini-batch split evenly
// over `ranks` (each rank takes an equal share of every mini-batch). The trainer,
// run_ppo (before it writes anything) and the CLI (before it loads anything) check it.
void check_rank_split(const PpoConfig & config, int ranks, const std::map<std::string, std::string> & names = {});

class PpoTrainer {
public:
    // `policy` is trained; `ref` is the frozen reference model (frozen_copy of
    // the initial policy), or null when the policy has LoRA adapters (lora.h):
    // then only the adapters and the value head train, and the reference
    // log-probs come from the policy with its adapters switched off. `pad_id` fills padding inside batches (masked).
    // `dp`: the ranks of a data-parallel run (null: this process alone); every
    // rank constructs its trainer, and rank 0's weights are copied to all.
    PpoTrainer(Gpt2Policy policy, Gpt2Policy ref, const PpoConfig & config, int64_t pad_id,
               std::shared_ptr<DataParallel> dp = nullptr);

    // queries/responses: token ids, one pair per rollout (batch_size of them, or
    // batch_size / ranks on each rank of a data-parallel run: the batch is the
    // ranks' rows in rank order); responses end with EOS unless cut at
    // max_new_tokens; scores: the reward of each response. Returns TRL's
    // statistics for the step (ppo_loss.h names) over the whole batch, the same
    // on every rank, plus ppo/policy/skipped (the fraction of mini-batches
    // skipped by the ratio threshold), ppo/learning_rate and time/ppo/* in
    // seconds (this rank's). Throws NonFiniteLoss when a loss is NaN or
    // infinite (on every rank alike).
    //
    // With R ranks, each runs the model passes on its share of the rows and the
    // gradients are summed over ranks before each Adam step; the shuffle into
    // mini-batches is drawn alike on every rank, so R ranks with batch B / R each
    // make the update one process makes with batch B (tests/rl/test_data_parallel.cpp).
    Stats step(const std::vector<std::vector<int32_t>> & queries, const std::vector<std::vector<int32_t>> & responses,
               const std::vector<double> & scores);

    Gpt2PolicyImpl & policy() { return *policy_; }
    Gpt2PolicyImpl * ref() { return ref_ ? ref_.get() : nullptr; }  // null with LoRA
    torch::optim::Adam & optimizer() { return *optimizer_; }
    KlController & kl_controller() { return *kl_; }
    torch::Generator & shuffle_rng() { return shuffle_rng_; }
    const PpoConfig & config() const { return config_; }
    DataParallel & data_parallel() { return *dp_; }

private:
    // The stages step() runs top to bottom (ppo_trainer.cpp).
    struct RolloutPasses {
        torch::Tensor old_logprobs, values, ref_logprobs;  // [B, R], the whole batch
        torch::Tensor full_kls;                            // [B, R], only with kl_penalty "full"
    };
    RolloutPasses score_rollouts(const PpoBatch & batch);
    Rewards rewards(const PpoBatch & batch, const torch::Tensor & scores, const RolloutPasses & passes,
                    double kl_coef) const;
    std::vector<Stats> optimise(const PpoBatch & batch, const RolloutPasses & passes, const Advantages & adv,
                                bool & early_stop);
    Stats statistics(const PpoBatch & batch, const torch::Tensor & scores, const RolloutPasses & passes,
                     const Rewards & rw, double kl_coef, const std::vector<Stats> & minibatch_stats, bool early_stop);

    Gpt2Policy policy_, ref_;
    PpoConfig config_;
    int64_t pad_id_;
    std::shared_ptr<DataParallel> dp_;
    std::unique_ptr<torch::optim::Adam> optimizer_;
    std::unique_ptr<KlController> kl_;
    torch::Generator shuffle_rng_;
};

}  // namespace ragppo::rl
