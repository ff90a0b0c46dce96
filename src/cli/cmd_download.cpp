// ragppo download: fetch Hub files into the cache (or find them there) and print their paths.
#include "commands.h"
#include "options.h"
#include "ragppo.h"

#include <cstdio>
#include <memory>

namespace ragppo::cli {
namespace {

struct DownloadArgs {
    std::string repo;
    std::vector<std::string> files;
    std::vector<std::string> include;
    std::string revision;
    bool dataset = false;
    HubParams hub;
};

void run_download(const DownloadArgs & a) {
    const HubParams & hub = a.hub;
    const RepoType type = a.dataset ? RepoType::Dataset : RepoType::Model;

    std::string spec = a.repo;
    if (!a.revision.empty()) {
        if (spec.find('@') != std::string::npos) throw Error("give the revision either as REPO@REV or --revision, not both");
        const auto colon = spec.rfind(':');  // keep a quant tag last: org/name@rev:Q4_K_M
        spec = colon == std::string::npos ? spec + "@" + a.revision
                                          : spec.substr(0, colon) + "@" + a.revision + spec.substr(colon);
    }

    for (const auto & f : a.files) std::printf("%s\n", hub_resolve_file(spec, f, type, hub).local.c_str());
    if (!a.include.empty()) std::printf("%s\n", hub_snapshot(spec, a.include, type, hub).c_str());
    if (a.files.empty() && a.include.empty()) {
        // A ":QUANT" tag names one GGUF file; otherwise the whole revision, like `hf download`.
        const bool gguf = type == RepoType::Model && spec.find(':') != std::string::npos;
        std::printf("%s\n", gguf ? hub_resolve_gguf(spec, hub).local.c_str() : hub_snapshot(spec, {"*"}, type, hub).c_str());
    }
}

}  // namespace

void register_download(CLI::App & app) {
    auto args = std::make_shared<DownloadArgs>();
    auto * cmd = app.add_subcommand("download", "Download Hub files into the local cache and print their paths");
    cmd->footer(
        "Files land in the standard Hugging Face cache (--cache-dir, else $HF_HUB_CACHE,\n"
        "$HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub) and are\n"
        "checked (size and sha256 / git sha1) before they become visible there. A file\n"
        "already cached is printed without any network request.\n"
        "\n"
        "Environment: HF_ENDPOINT (mirror or local server), HF_TOKEN (private or gated\n"
        "repos), HF_HUB_OFFLINE=1 (cache only).\n"
        "\n"
        "Examples:\n"
        "  ragppo download bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M    # one GGUF, chosen by quant tag\n"
        "  ragppo download ragppo/SmolLM2-135M-Instruct-Q4_1-GGUF:Q4_1    # the bundled default LLM (no network)\n"
        "  ragppo download openai-community/gpt2 config.json model.safetensors\n"
        "  ragppo download openai-community/gpt2 --include '*.json' '*.safetensors'\n"
        "  ragppo download --dataset org/recipes --revision v1.0 --include 'data/*.parquet'");
    cmd->add_option("repo", args->repo, "Hub id: org/name, org/name@revision, org/name:QUANT (GGUF), or a local path")
        ->required();
    cmd->add_option("files", args->files, "Files of the repo to fetch; each local path is printed on its own line");
    cmd->add_flag("--dataset", args->dataset, "The repo is a dataset repo (default: a model repo)");
    cmd->add_option("--revision", args->revision, "Branch, tag or 40-hex commit (default: main)");
    cmd->add_option("--include", args->include,
                    "Glob patterns (fnmatch; '*' also matches '/'): fetch every matching file and print the snapshot dir")
        ->expected(1, -1);
    add_hub_options(cmd, args->hub);
    cmd->callback([args] { run_download(*args); });
}

}  // namespace ragppo::cli
