// Three PPO steps on a GPT-2 summariser, printing each step's mean reward and KL.
//   ppo_three_steps MODEL_DIR_OR_ID ARTICLES_FILE RUN_DIR
#include <ragppo/rl.h>

#include <cstdio>

int main(int argc, char ** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL ARTICLES_FILE RUN_DIR\n", argv[0]);
        return 2;
    }
    ragppo::PpoParams p;
    p.ppo.policy_model = argv[1];
    p.ppo.dataset = argv[2];
    p.out_dir = argv[3];
    p.ppo.steps = 3;
    p.ppo.batch_size = 2;
    p.ppo.mini_batch_size = 2;
    p.ppo.query_max_tokens = 64;
    p.ppo.max_new_tokens = 16;
    p.limit = 16;
    p.eval_samples = 4;
    try {
        const ragppo::PpoResult r = ragppo::ppo_run(p, [](const ragppo::PpoStep & s) {
            std::printf("step %lld/%lld: reward %.4f, kl %.4f\n", static_cast<long long>(s.step + 1),
                        static_cast<long long>(s.steps), s.stats.at("env/reward_mean"), s.stats.at("objective/kl"));
        });
        std::printf("held-out ROUGE-1: %.4f -> %.4f; %lld steps\n", r.eval_before, r.eval_after,
                    static_cast<long long>(r.steps_done));
    } catch (const ragppo::Error & e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
