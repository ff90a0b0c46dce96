// ragppo: one binary, one subcommand per job. Errors end in a one-line message
// on stderr and a non-zero exit code.
#include "commands.h"
#include "ragppo.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char ** argv) {
    CLI::App app{"ragppo: recipe RAG and PPO summarisation in one native binary.\n"
                 "Models and datasets are Hugging Face Hub ids (org/name[@rev][:quant]) or local paths."};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("ragppo ") + RAGPPO_VERSION_STRING);
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "Print the system-info line first and llama.cpp's own log (RAGPPO_VERBOSE=1)");
    app.fallthrough();  // --verbose may follow the subcommand too
    app.parse_complete_callback([&verbose] {
        if (!verbose) return;
        std::fprintf(stderr, "%s\n", ragppo::cli::system_info_line().c_str());
        setenv("RAGPPO_VERBOSE", "1", 1);
    });

    try {
        // Inside the try: registration reads defaults (models, limits) that may fail too.
        ragppo::cli::register_demo(app);
        ragppo::cli::register_index(app);
        ragppo::cli::register_ask(app);
        ragppo::cli::register_serve(app);
        ragppo::cli::register_compare(app);
        ragppo::cli::register_eval_retrieval(app);
        ragppo::cli::register_ppo(app);
        ragppo::cli::register_download(app);
        ragppo::cli::register_embed(app);
        ragppo::cli::register_generate(app);
        ragppo::cli::register_system_info(app);
        ragppo::cli::register_verify(app);
        app.parse(argc, argv);
    } catch (const CLI::ParseError & e) {
        return app.exit(e);
    } catch (const ragppo::Error & e) {
        std::fprintf(stderr, "ragppo: error: %s\n", e.what());
        return 1;
    } catch (const std::exception & e) {
        std::fprintf(stderr, "ragppo: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
