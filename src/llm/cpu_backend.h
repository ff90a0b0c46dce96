// Which build of ggml's CPU backend this process runs. The backend is compiled once per
// x86-64 feature level as shared modules (libggml-cpu-<variant>.so) that sit next to
// libggml; the best one the CPU supports is loaded at start-up, or the one named by
// RAGPPO_CPU_VARIANT (tests force each variant in turn this way).
#pragma once

#include <string>
#include <vector>

namespace ragppo::llm {

// Load the CPU backend module once. Throws ragppo::Error when none can be loaded
// (an incomplete build directory, or a forced variant this CPU cannot run).
void load_cpu_backend();

// Folder the backend modules are loaded from: $RAGPPO_BACKEND_DIR, else libggml's own folder.
std::string backend_dir();

}  // namespace ragppo::llm
