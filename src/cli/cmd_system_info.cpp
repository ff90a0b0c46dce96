// ragppo system-info: what a bug report needs (versions, CPU, the ggml CPU variant in
// use, threads, libtorch's and Arrow's builds). One line of it starts every --verbose run.
#include "commands.h"
#include "ragppo.h"

#include <cstdio>
#include <sstream>
#include <thread>

namespace ragppo::cli {

namespace {

// x86 features that decide which kernels run (as /proc/cpuinfo spells them).
const std::vector<std::string> kCpuFeatures{"sse4_2", "avx", "f16c", "fma", "avx2", "bmi2", "avx_vnni",
                                            "avx512f", "avx512bw", "avx512vl", "avx512vbmi", "avx512_vnni",
                                            "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"};

std::string join(const std::vector<std::string> & v, const char * sep = " ") {
    std::ostringstream o;
    for (size_t i = 0; i < v.size(); ++i) o << (i ? sep : "") << v[i];
    return o.str();
}

void print_system_info() {
    const CpuBackendInfo cpu = cpu_backend_info();
    std::printf("ragppo       %s\n", RAGPPO_VERSION_STRING);
    std::printf("llama.cpp    %s\n", llama_cpp_version().c_str());
    std::printf("CPU          %s, %u hardware threads\n", cpu_model_name().c_str(), std::thread::hardware_concurrency());
    std::printf("CPU features %s\n", join(cpu_flags(kCpuFeatures)).c_str());
    std::printf("ggml variant %s (%s)\n", cpu.variant.c_str(), cpu.module.c_str());
    std::printf("  uses       %s\n", join(cpu.features).c_str());
    std::printf("  buffers    %s\n", cpu.extra_buffer_types.empty() ? "(none)" : join(cpu.extra_buffer_types).c_str());
    std::printf("  available  %s\n", join(cpu_backend_variants()).c_str());
    std::printf("threads      %d by default (llama.cpp, libtorch)\n", default_threads(0));
    std::printf("libtorch     %s\n", libtorch_version().c_str());
    for (const auto & line : libtorch_build_info()) std::printf("  %s\n", line.c_str());
    std::printf("Arrow        %s\n", arrow_version().c_str());
}

}  // namespace

std::string system_info_line() {
    const CpuBackendInfo cpu = cpu_backend_info();
    std::ostringstream o;
    o << "ragppo " << RAGPPO_VERSION_STRING << " | " << llama_cpp_version() << " | " << cpu_model_name() << " ["
      << join(cpu_flags(kCpuFeatures)) << "] | ggml CPU variant " << cpu.variant << " | threads "
      << default_threads(0) << " | libtorch " << libtorch_version() << " | Arrow " << arrow_version();
    return o.str();
}

void register_system_info(CLI::App & app) {
    auto * cmd = app.add_subcommand("system-info",
                                    "Print versions, the CPU and its features, the ggml CPU variant loaded, threads, "
                                    "libtorch's and Arrow's builds (include this in bug reports)");
    cmd->callback([] { print_system_info(); });
}

}  // namespace ragppo::cli
