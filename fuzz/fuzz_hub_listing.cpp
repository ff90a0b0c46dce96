// The Hub API's answers (hub/hub_api): a revision (commit + siblings) and a recursive
// tree listing; no path that leaves the snapshot may come out. The first byte picks
// which answer the rest is parsed as.
#include "fuzz_support.h"
#include "hub/hub_api.h"

#include <nlohmann/json.hpp>

namespace {

// Independent of hub::valid_repo_path (the function under test): relative, and no
// segment that is empty, "." or "..".
void check_path(const std::string & p) {
    if (p.empty() || p.front() == '/') __builtin_trap();
    size_t start = 0;
    while (true) {
        const size_t end = p.find('/', start);
        const std::string seg = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (seg.empty() || seg == "." || seg == "..") __builtin_trap();
        if (end == std::string::npos) return;
        start = end + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    if (size == 0) return 0;
    const auto j = nlohmann::json::parse(ragppo::fuzz::as_view(data + 1, size - 1), nullptr, false);
    if (j.is_discarded()) return 0;  // the HTTP layer refuses text that is not JSON
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        if (data[0] & 1) {
            for (const auto & e : ragppo::hub::parse_tree(j, "fuzz/repo")) check_path(e.path);
        } else {
            for (const auto & p : ragppo::hub::parse_revision(j, "fuzz/repo", "main").siblings) check_path(p);
        }
    });
    return 0;
}
