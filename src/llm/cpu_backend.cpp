#include "llm/cpu_backend.h"

#include "llm/llama_runtime.h"

#include "ragppo.h"

#include <ggml-backend.h>
#include <ggml-cpu.h>
#include <ggml.h>
#include <llama.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace ragppo::llm {

namespace {

constexpr const char * kPrefix = "libggml-cpu-";
constexpr const char * kSuffix = ".so";

std::string module_of(const void * symbol) {
    Dl_info info{};
    if (symbol != nullptr && dladdr(symbol, &info) != 0 && info.dli_fname != nullptr) {
        std::error_code ec;
        const fs::path p = fs::weakly_canonical(info.dli_fname, ec);
        return ec ? std::string(info.dli_fname) : p.string();
    }
    return {};
}

std::string variant_of(const std::string & module_path) {
    std::string name = fs::path(module_path).filename().string();
    if (name.rfind(kPrefix, 0) != 0) return name;
    name = name.substr(std::string(kPrefix).size());
    const auto dot = name.find(kSuffix);
    return dot == std::string::npos ? name : name.substr(0, dot);
}

ggml_backend_reg_t cpu_reg() {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    return dev ? ggml_backend_dev_backend_reg(dev) : nullptr;
}

std::string cpuinfo_field(const std::string & key) {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string v = line.substr(colon + 1);
                v.erase(0, v.find_first_not_of(" \t"));
                return v;
            }
        }
    }
    return {};
}

}  // namespace

std::string backend_dir() {
    if (const char * env = std::getenv("RAGPPO_BACKEND_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    // libggml.so and the CPU modules are built into the same folder (build/bin); using
    // libggml's own location works for the CLI, the tests and a copied build alike.
    const std::string self = module_of(reinterpret_cast<const void *>(&ggml_backend_load));
    return self.empty() ? std::string(".") : fs::path(self).parent_path().string();
}

void load_cpu_backend() {
    if (cpu_reg() != nullptr) return;
    const std::string dir = backend_dir();
    const char * forced = std::getenv("RAGPPO_CPU_VARIANT");
    if (forced != nullptr && *forced != '\0') {
        const std::string path = (fs::path(dir) / (std::string(kPrefix) + forced + kSuffix)).string();
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            throw Error("RAGPPO_CPU_VARIANT=" + std::string(forced) + ": no such CPU backend module: " + path);
        }
        // ggml_backend_load refuses a module whose feature check fails on this CPU.
        if (ggml_backend_load(path.c_str()) == nullptr) {
            throw Error("RAGPPO_CPU_VARIANT=" + std::string(forced) + ": this CPU cannot run that variant (" + path + ")");
        }
    } else {
        ggml_backend_load_all_from_path(dir.c_str());
    }
    if (cpu_reg() == nullptr) {
        throw Error("no ggml CPU backend could be loaded from " + dir +
                    " (expected libggml-cpu-<variant>.so there; is the build directory complete?)");
    }
}

std::vector<std::string> cpu_variants_available() {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::directory_iterator it(backend_dir(), ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(kPrefix, 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, kSuffix) == 0) {
            out.push_back(variant_of(name));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace ragppo::llm

namespace ragppo {

std::vector<std::string> cpu_backend_variants() { return llm::cpu_variants_available(); }

CpuBackendInfo cpu_backend_info() {
    llm::ensure_backend();
    CpuBackendInfo info;
    info.dir = llm::backend_dir();
    ggml_backend_reg_t reg = llm::cpu_reg();
    if (reg == nullptr) return info;
    using features_fn = ggml_backend_feature * (*)(ggml_backend_reg_t);
    auto get_features = reinterpret_cast<features_fn>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features"));
    info.module = llm::module_of(reinterpret_cast<const void *>(get_features));
    info.variant = llm::variant_of(info.module);
    if (get_features != nullptr) {
        for (ggml_backend_feature * f = get_features(reg); f != nullptr && f->name != nullptr; ++f) {
            info.features.push_back(std::string(f->name) + (std::string(f->value) == "1" ? "" : "=" + std::string(f->value)));
        }
    }
    using bufts_fn = ggml_backend_buffer_type_t * (*)(ggml_backend_dev_t);
    auto get_bufts = reinterpret_cast<bufts_fn>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_dev_get_extra_bufts"));
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (get_bufts != nullptr && dev != nullptr) {
        for (ggml_backend_buffer_type_t * b = get_bufts(dev); b != nullptr && *b != nullptr; ++b) {
            info.extra_buffer_types.push_back(ggml_backend_buft_name(*b));
        }
    }
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t d = ggml_backend_dev_get(i);
        info.devices.push_back(std::string(ggml_backend_dev_name(d)) + " (" + ggml_backend_dev_description(d) + ")");
    }
    return info;
}

std::string cpu_model_name() {
    std::string name = llm::cpuinfo_field("model name");
    return name.empty() ? "unknown CPU" : name;
}

std::vector<std::string> cpu_flags(const std::vector<std::string> & wanted) {
    std::istringstream flags(llm::cpuinfo_field("flags"));
    std::set<std::string> have;
    for (std::string f; flags >> f;) have.insert(f);
    std::vector<std::string> out;
    for (const auto & w : wanted) {
        if (have.count(w)) out.push_back(w);
    }
    return out;
}

std::string llama_cpp_version() {
    return std::string("ggml ") + ggml_version() + " (llama-cpp-python " RAGPPO_LLAMA_CPP_RELEASE " sdist)";
}

}  // namespace ragppo
