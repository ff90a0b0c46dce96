// HubParams + environment -> HubContext, with the Hub's precedence rules.
#include "hub/hub_context.h"
#include "hub/repo_spec.h"

#include "common.h"  // common_get_model_endpoint (MODEL_ENDPOINT / HF_ENDPOINT)

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#ifndef RAGPPO_DEFAULT_BUNDLED_HUB
#define RAGPPO_DEFAULT_BUNDLED_HUB ""
#endif

namespace fs = std::filesystem;

namespace ragppo::hub {
namespace {

std::string env(const char * name) {
    const char * v = std::getenv(name);
    return v ? v : "";
}

}  // namespace

bool env_flag(const char * name) {
    std::string v = env(name);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v == "1" || v == "true" || v == "yes" || v == "on";
}

HubContext make_context(const HubParams & params) {
    HubContext ctx;
    ctx.endpoint = params.endpoint.empty() ? common_get_model_endpoint() : params.endpoint;
    if (ctx.endpoint.back() != '/') {
        ctx.endpoint += '/';
    }
    ctx.token = params.token.empty() ? env("HF_TOKEN") : params.token;
    ctx.offline = params.offline.value_or(env_flag("HF_HUB_OFFLINE"));
    ctx.refresh = params.refresh;
    ctx.progress = params.progress;
    ctx.write_cache = hub_cache_dir(params);

    auto add_read = [&](const std::string & dir) {
        if (!dir.empty() && std::find(ctx.read_caches.begin(), ctx.read_caches.end(), dir) == ctx.read_caches.end()) {
            ctx.read_caches.push_back(dir);
        }
    };
    add_read(ctx.write_cache);
    for (const auto & d : params.extra_read_dirs) {
        add_read(expand_user(d));
    }
    add_read(bundled_hub_dir());
    return ctx;
}

}  // namespace ragppo::hub

namespace ragppo {

std::string hub_cache_dir(const HubParams & params) {
    using hub::env;
    if (!params.cache_dir.empty()) return hub::expand_user(params.cache_dir);
    if (auto v = env("HF_HUB_CACHE"); !v.empty()) return v;
    if (auto v = env("HF_HOME"); !v.empty()) return (fs::path(v) / "hub").string();
    if (auto v = env("XDG_CACHE_HOME"); !v.empty()) return (fs::path(v) / "huggingface" / "hub").string();
    if (auto v = env("HOME"); !v.empty()) return (fs::path(v) / ".cache" / "huggingface" / "hub").string();
    throw Error("cannot find the Hub cache directory: set HF_HUB_CACHE or HOME");
}

std::string bundled_hub_dir() {
    if (auto v = hub::env("RAGPPO_HOME"); !v.empty()) {
        return (fs::path(v) / "hub").string();
    }
    return RAGPPO_DEFAULT_BUNDLED_HUB;
}

// Hub ids under which scripts/setup.sh lays out the embedded defaults (see scripts/versions.env).
std::string default_llm_id() { return "ragppo/SmolLM2-135M-Instruct-Q4_1-GGUF"; }
std::string default_embedder_f32_id() { return "ragppo/all-MiniLM-L6-v2-GGUF"; }
// default_embedder_id() lives in embed/default_embedder.cpp: it picks a dtype for the CPU.

}  // namespace ragppo
