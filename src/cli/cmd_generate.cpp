// ragppo generate: one prompt in, the reply streamed to stdout as it is decoded.
#include "commands.h"
#include "options.h"

#include <cstdio>

namespace ragppo::cli {

namespace {

struct GenerateArgs {
    GeneratorParams params;
    SamplingParams sampling;
    std::string prompt;
    bool show_prompt = false;
};

void run(const GenerateArgs & a) {
    auto g = generator_load(a.params);
    if (a.show_prompt) {
        std::fprintf(stderr, "--- prompt as the model reads it ---\n%s\n---\n",
                     generator_format(*g, a.prompt).c_str());
    }
    Generation r = generate(*g, a.prompt, a.sampling, [](const std::string & piece) {
        std::fputs(piece.c_str(), stdout);
        std::fflush(stdout);
    });
    std::fputc('\n', stdout);
    const double tps = r.generate_ms > 0 ? 1000.0 * r.completion_tokens / r.generate_ms : 0;
    std::fprintf(stderr, "[%d prompt tokens, %d generated, stop: %s, %.1f tok/s]\n", r.prompt_tokens,
                 r.completion_tokens, stop_reason_name(r.stop), tps);
}

}  // namespace

void register_generate(CLI::App & app) {
    auto args = std::make_shared<GenerateArgs>();
    auto * cmd = app.add_subcommand("generate", "Generate a reply with a GGUF LLM, streamed to the terminal");
    cmd->add_option("prompt", args->prompt, "The user prompt")->required()->check(not_blank("the prompt"));
    cmd->add_flag("--show-prompt", args->show_prompt, "Print the formatted prompt to stderr first");
    add_generator_options(cmd, args->params);
    add_sampling_options(cmd, args->sampling, args->params.model);
    cmd->callback([args] { run(*args); });
}

}  // namespace ragppo::cli
