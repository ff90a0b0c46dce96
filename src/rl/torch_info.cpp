// libtorch's version and build (BLAS, oneDNN, CPU capability, threads) for system-info:
// PPO speed depends on all of them, so a bug report needs them.
#include "ragppo.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <filesystem>
#include <sstream>

namespace ragppo {

std::string libtorch_version() { return TORCH_VERSION; }

std::vector<std::string> libtorch_build_info() {
    std::vector<std::string> out;
    std::istringstream config(at::show_config());
    for (std::string line; std::getline(config, line);) {
        const auto start = line.find_first_not_of(" -");
        if (start == std::string::npos) continue;
        line = line.substr(start);
        for (const char * key : {"BLAS_INFO", "LAPACK_INFO", "Intel(R) oneAPI Math Kernel Library", "Intel(R) MKL-DNN",
                                 "OpenMP", "CPU capability usage"}) {
            if (line.rfind(key, 0) == 0) {
                out.push_back(line);
                break;
            }
        }
    }
    // Which library answers libtorch's BLAS calls: libtorch_cpu's own MKL, unless a
    // BLAS loaded before it (FAISS's) took the symbol (see CMakeLists.txt, `ragppo`).
    Dl_info where{};
    if (void * sgemm = dlsym(RTLD_DEFAULT, "sgemm_"); sgemm && dladdr(sgemm, &where) && where.dli_fname)
        out.push_back(std::string("BLAS sgemm_ resolves to ") + std::filesystem::path(where.dli_fname).filename().string());
    std::ostringstream threads;
    threads << "intra-op threads " << at::get_num_threads() << ", inter-op threads " << at::get_num_interop_threads();
    out.push_back(threads.str());
    return out;
}

}  // namespace ragppo
