// `ppo` and `summarize-eval` in a build without libtorch (RAGPPO_WITH_TORCH=OFF): the
// commands still exist, so a user who tries them learns why they cannot run here.
#include "commands.h"

#include "ragppo.h"

namespace ragppo::cli {

namespace {

void register_absent(CLI::App & app, const char * name, const char * what) {
    auto * cmd = app.add_subcommand(name, std::string(what) + " (not in this build: it was configured without libtorch)");
    // Every flag after it is taken (none fall through to the app), so the user reads why
    // the command cannot run rather than a list of "unexpected" arguments.
    cmd->allow_extras();
    cmd->fallthrough(false);
    cmd->callback([name] {
        throw Error(std::string("'") + name +
                    "' needs libtorch, and this ragppo was built without it (RAGPPO_WITH_TORCH=OFF): "
                    "rebuild with scripts/setup.sh for the full binary");
    });
}

}  // namespace

void register_ppo(CLI::App & app) {
    register_absent(app, "ppo", "Fine-tune a GPT-2 summariser with PPO");
    register_absent(app, "summarize-eval", "ROUGE of a summariser on a dataset slice");
}

}  // namespace ragppo::cli
