// The portable build: ggml's CPU backend comes as one module per x86-64 feature level,
// the best one the CPU supports is loaded, none carries the AMX matmul (it crashes on
// Q4 weights in the pinned release), every variant this CPU can run gives the same
// greedy text as llama.cpp's llama-simple, and a build directory copied elsewhere runs.
#include "ragppo.h"
#include "support/paths.h"
#include "support/process.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using namespace ragppo;

namespace {

bool contains(const std::vector<std::string> & v, const std::string & x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

std::string read_bytes(const fs::path & p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string default_model_path() {
    HubParams h;
    h.offline = true;
    return hub_resolve_gguf(default_llm_id(), h).local;
}

const char * kPrompt = "Ingredients for a classic pancake batter:";
constexpr int kTokens = 32;

// llama-simple echoes the prompt, then the continuation, then a newline.
std::string continuation_of(std::string out) {
    if (!out.empty() && out.back() == '\n') out.pop_back();
    const std::string prompt(kPrompt);
    const auto at = out.find(prompt);
    return at == std::string::npos ? "(prompt not echoed) " + out : out.substr(at + prompt.size());
}

// llama-simple confined to one CPU variant: ggml's loader looks beside the executable and
// in the working directory, so a folder holding the tool, its libraries and that one
// module is what "forcing a variant" means for it.
test::CommandResult llama_simple_in_variant(const std::string & variant, const fs::path & work) {
    const fs::path bin_dir = fs::path(test::bin("llama-simple")).parent_path();
    const fs::path dir = work / variant;
    fs::create_directories(dir);
    for (const auto & e : fs::directory_iterator(bin_dir)) {
        const std::string name = e.path().filename().string();
        const bool lib = name.rfind("lib", 0) == 0 && name.find(".so") != std::string::npos;
        const bool other_variant = name.rfind("libggml-cpu-", 0) == 0 && name != "libggml-cpu-" + variant + ".so";
        if (name == "llama-simple" || (lib && !other_variant)) {
            fs::copy(e.path(), dir / name, fs::copy_options::copy_symlinks);
        }
    }
    return test::run_command("cd " + test::shell_quote(dir.string()) + " && ./llama-simple -m " +
                             test::shell_quote(default_model_path()) + " -n " + std::to_string(kTokens) + " " +
                             test::shell_quote(kPrompt));
}

}  // namespace

TEST(CpuBackend, AllVariantsAreBuiltAndTheBestIsLoaded) {
    const auto variants = cpu_backend_variants();
    // The x86-64 ladder from the baseline up, as llama.cpp's release builds ship it.
    for (const char * v : {"x64", "haswell", "skylakex", "icelake", "zen4", "alderlake"}) {
        EXPECT_TRUE(contains(variants, v)) << "missing CPU variant " << v;
    }
    const CpuBackendInfo info = cpu_backend_info();
    EXPECT_TRUE(contains(variants, info.variant)) << info.variant;
    EXPECT_EQ(fs::path(info.module).parent_path(), fs::path(info.dir));
    EXPECT_FALSE(info.devices.empty());
    // The loaded variant uses what the CPU has: AVX2 wherever the CPU reports it.
    if (!cpu_flags({"avx2"}).empty()) {
        EXPECT_TRUE(contains(info.features, "AVX2")) << info.variant;
    }
    if (cpu_flags({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}).size() == 5) {
        EXPECT_TRUE(contains(info.features, "AVX512")) << info.variant;
    }
}

TEST(CpuBackend, NoVariantCarriesTheAmxMatmulByDefault) {
#ifdef RAGPPO_TEST_GGML_AMX
    GTEST_SKIP() << "built with RAGPPO_GGML_AMX=ON (opt-in): the sapphirerapids variant has AMX on purpose";
#endif
    const CpuBackendInfo info = cpu_backend_info();
    EXPECT_FALSE(contains(info.extra_buffer_types, "AMX"));
    EXPECT_FALSE(contains(info.features, "AMX_INT8"));
    // Also in the modules this CPU would never load: no AMX code was compiled anywhere.
    const auto variants = cpu_backend_variants();
    ASSERT_FALSE(variants.empty());
    for (const auto & v : variants) {
        const std::string bytes = read_bytes(fs::path(info.dir) / ("libggml-cpu-" + v + ".so"));
        ASSERT_FALSE(bytes.empty()) << v;
        EXPECT_EQ(bytes.find("ggml_backend_amx_buffer_type"), std::string::npos) << v << " carries the AMX matmul";
    }
}

TEST(CpuBackend, GreedyTextEqualsLlamaSimpleInEveryVariantThisCpuRuns) {
    // Variants round differently (FMA or not, 256- or 512-bit reductions), and a 135M
    // model has near-ties, so each variant is compared with llama-simple in the same variant.
    const fs::path work = test::make_temp_dir("ragppo-variants-");
    int ran = 0;
    std::vector<std::string> refused;
    for (const auto & v : cpu_backend_variants()) {
        // Plain greedy, as llama-simple decodes (no repetition penalty of the embedded preset).
        const auto r = test::run_command("RAGPPO_CPU_VARIANT=" + v + " " + test::bin("ragppo") +
                                         " generate --offline --format raw --temperature 0 --repeat-penalty 1 -n " +
                                         std::to_string(kTokens) + " " + test::shell_quote(kPrompt));
        const auto ref = llama_simple_in_variant(v, work);
        if (r.exit_code != 0) {
            // The only acceptable failure: the loader's feature check refused this CPU,
            // and then llama-simple finds no usable CPU backend either.
            EXPECT_NE(r.err.find("this CPU cannot run that variant"), std::string::npos) << v << ": " << r.err;
            EXPECT_NE(ref.exit_code, 0) << v << ": llama-simple ran a variant ragppo refused";
            refused.push_back(v);
            continue;
        }
        ASSERT_EQ(ref.exit_code, 0) << v << ": " << ref.err;
        ++ran;
        std::string got = r.out;
        if (!got.empty() && got.back() == '\n') got.pop_back();
        EXPECT_FALSE(got.empty()) << v;
        EXPECT_EQ(got, continuation_of(ref.out)) << "variant " << v;
    }
    // x64 (no SIMD beyond SSE2) runs everywhere, and so does the variant loaded by default.
    EXPECT_GE(ran, 2);
    EXPECT_FALSE(contains(refused, "x64"));
    EXPECT_FALSE(contains(refused, cpu_backend_info().variant));
    fs::remove_all(work);
}

TEST(CpuBackend, AForcedVariantTheCpuLacksIsAOneLineError) {
    const auto r = test::run_command("RAGPPO_CPU_VARIANT=no-such-cpu " + test::bin("ragppo") + " system-info");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no such CPU backend module"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CpuBackend, SystemInfoNamesVersionsCpuAndVariant) {
    const auto r = test::run_command(test::bin("ragppo") + " system-info");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const CpuBackendInfo info = cpu_backend_info();
    for (const std::string & s : {std::string("ragppo "), std::string("llama.cpp"), std::string("ggml "),
                                  "ggml variant " + info.variant, cpu_model_name(), std::string("libtorch     2."),
                                  std::string("Arrow"), std::string("threads")}) {
        EXPECT_NE(r.out.find(s), std::string::npos) << "missing '" << s << "' in\n" << r.out;
    }
    const auto v = test::run_command(test::bin("ragppo") + " --verbose system-info");
    ASSERT_EQ(v.exit_code, 0) << v.err;
    const std::string first = v.err.substr(0, v.err.find('\n'));
    EXPECT_NE(first.find("ggml CPU variant " + info.variant), std::string::npos) << v.err;
    EXPECT_NE(first.find("libtorch"), std::string::npos) << v.err;
}

TEST(CpuBackend, BuildDirectoryCopiedElsewhereRunsFromItsOwnFolder) {
    const fs::path bin_dir = fs::path(test::bin("ragppo")).parent_path();
    const fs::path copy = fs::path(test::make_temp_dir("ragppo-moved-")) / "bin";
    fs::create_directories(copy);
    for (const auto & e : fs::directory_iterator(bin_dir)) {
        const std::string name = e.path().filename().string();
        if (name == "ragppo" || name.find(".so") != std::string::npos) {
            fs::copy(e.path(), copy / name, fs::copy_options::copy_symlinks);
        }
    }
    // No RPATH/RUNPATH entry points into the build tree: libraries are found relative to the binary.
    const auto dyn = test::run_command("readelf -d " + test::shell_quote((copy / "ragppo").string()));
    ASSERT_EQ(dyn.exit_code, 0) << dyn.err;
    EXPECT_NE(dyn.out.find("$ORIGIN"), std::string::npos) << dyn.out;
    EXPECT_EQ(dyn.out.find(bin_dir.parent_path().string() + "/"), std::string::npos) << dyn.out;
    const auto ldd = test::run_command("ldd " + test::shell_quote((copy / "ragppo").string()));
    for (const char * lib : {"libllama.so", "libggml.so", "libggml-base.so"}) {
        const auto at = ldd.out.find(lib);
        ASSERT_NE(at, std::string::npos) << ldd.out;
        const std::string line = ldd.out.substr(at, ldd.out.find('\n', at) - at);
        EXPECT_NE(line.find(copy.string()), std::string::npos) << line;
    }
    const auto r = test::run_command(test::shell_quote((copy / "ragppo").string()) + " system-info");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("(" + copy.string() + "/libggml-cpu-"), std::string::npos) << r.out;
    fs::remove_all(copy.parent_path());
}
