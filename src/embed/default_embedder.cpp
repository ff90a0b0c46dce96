// The embedded default embedder, all-MiniLM-L6-v2, comes in two dtypes (scripts/setup.sh):
// BF16 where the CPU multiplies BF16 natively (AVX512_BF16: ggml's tinyBLAS BF16 GEMM is
// ~1.4x its F32 one on 2 cores, cosine to sentence-transformers >= 0.9999), else F32.
// They are two Hub ids, so an index records which one built it and queries reuse it
// (the F32 one, which every CPU runs, is named in hub/hub_context.cpp with the LLM's).
#include "hub/repo_spec.h"
#include "ragppo.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ragppo {

namespace {

constexpr const char * kBF16 = "ragppo/all-MiniLM-L6-v2-BF16-GGUF";

bool bundled(const char * repo) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::path(bundled_hub_dir()) / hub::repo_folder(repo, RepoType::Model), ec);
}

}  // namespace

std::string default_embedder_id() {
    const char * env = std::getenv("RAGPPO_EMBED_DTYPE");
    const std::string want = env != nullptr ? env : "auto";
    if (want == "f32") return default_embedder_f32_id();
    if (want == "bf16") return kBF16;
    if (want != "auto") throw Error("RAGPPO_EMBED_DTYPE must be auto, f32 or bf16, not '" + want + "'");
    const CpuBackendInfo cpu = cpu_backend_info();
    const bool native_bf16 = std::find(cpu.features.begin(), cpu.features.end(), "AVX512_BF16") != cpu.features.end();
    return native_bf16 && bundled(kBF16) ? kBF16 : default_embedder_f32_id();
}

}  // namespace ragppo
