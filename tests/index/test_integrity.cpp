// index/: what a load refuses. Each file's CRC-32C is recorded in the manifest and
// checked, so a flipped byte that keeps the size is caught; manifest values of the
// wrong type or out of range are refused, not rounded or ignored; file names from the
// manifest never lead outside the index directory. An index written before checksums
// (no crc32c fields) still loads.
#include "index/index_helpers.h"
#include "util/crc32c.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <limits>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void expect_error(const std::string & msg, const std::string & needle) {
    EXPECT_NE(msg, "") << "no ragppo::Error thrown";
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
}

// A copy of `good` under `name`, with `edit` applied to its manifest.
template <class F> fs::path with_manifest(const TempDir & tmp, const fs::path & good, const std::string & name, F && edit) {
    const fs::path d = tmp.path / name;
    fs::copy(good, d, fs::copy_options::recursive);
    auto j = json::parse(read_file(good / "manifest.json"));
    edit(j);
    write_file(d / "manifest.json", j.dump(1));
    return d;
}

}  // namespace

TEST(IndexIntegrity, Crc32cMatchesTheStandardCheckValue) {
    EXPECT_EQ(util::crc32c(0, "123456789", 9), 0xE3069283u);
    // Continuing over pieces gives the checksum of the whole.
    EXPECT_EQ(util::crc32c(util::crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
    EXPECT_EQ(util::crc32c(0, "", 0), 0u);
}

TEST(IndexIntegrity, TheManifestRecordsAChecksumPerFile) {
    TempDir tmp;
    vector_store_save(*make_store(20, 1), tmp / "idx");
    const auto j = json::parse(read_file(tmp.path / "idx" / "manifest.json"));
    for (const char * f : {"faiss", "nodes"}) {
        const std::string name = j["files"][f]["name"];
        char want[9];
        std::snprintf(want, sizeof want, "%08x", util::crc32c_file(tmp.path / "idx" / name));
        EXPECT_EQ(j["files"][f]["crc32c"], want) << f;
    }
}

TEST(IndexIntegrity, AFlippedByteInAnyFileIsDetected) {
    TempDir tmp;
    vector_store_save(*make_store(40, 2), tmp / "good");
    const fs::path good = tmp.path / "good";
    for (const char * name : {"index.faiss", "nodes.bin"}) {
        const std::string file = read_file(good / name);
        // In the vectors / node texts (past any header), and near the end.
        for (size_t at : {file.size() / 2, file.size() - 3}) {
            const fs::path d = tmp.path / (std::string("flip-") + name + "-" + std::to_string(at));
            fs::copy(good, d, fs::copy_options::recursive);
            std::string bad = file;
            bad[at] = static_cast<char>(bad[at] ^ 0x10);
            write_file(d / name, bad);
            expect_error(error_of([&] { vector_store_load(d.string()); }), std::string(name) + " is corrupt");
        }
    }
    EXPECT_EQ(vector_store_size(*vector_store_load(good.string())), 40u);
}

TEST(IndexIntegrity, AnIndexWithoutChecksumsStillLoads) {
    TempDir tmp;
    vector_store_save(*make_store(30, 3), tmp / "good");
    const fs::path old = with_manifest(tmp, tmp.path / "good", "old", [](json & j) {
        j["files"]["faiss"].erase("crc32c");
        j["files"]["nodes"].erase("crc32c");
    });
    EXPECT_EQ(vector_store_size(*vector_store_load(old.string())), 30u);
}

TEST(IndexIntegrity, ManifestValuesOfTheWrongTypeOrOutOfRangeAreRefused) {
    TempDir tmp;
    vector_store_save(*make_store(10, 4), tmp / "good");
    const fs::path good = tmp.path / "good";
    struct Case {
        const char * name;
        std::function<void(json &)> edit;
        const char * needle;
    };
    const std::vector<Case> cases = {
        {"dim-fraction", [](json & j) { j["embedding"]["dim"] = 384.5; }, "'embedding.dim' must be a whole number"},
        {"dim-string", [](json & j) { j["embedding"]["dim"] = "384"; }, "'embedding.dim' must be a whole number"},
        {"dim-zero", [](json & j) { j["embedding"]["dim"] = 0; }, "'embedding.dim' is 0, outside"},
        {"metric-l2", [](json & j) { j["index"]["metric"] = "l2"; }, "unknown index.metric 'l2'"},
        {"ef-search-negative", [](json & j) { j["index"]["hnsw_ef_search"] = -1; }, "'index.hnsw_ef_search' is -1"},
        {"hnsw-m-huge", [](json & j) { j["index"]["hnsw_m"] = 1e12; }, "'index.hnsw_m' must be a whole number"},
        {"nodes-negative", [](json & j) { j["counts"]["nodes"] = -5; }, "'counts.nodes' is -5"},
        {"bytes-negative", [](json & j) { j["files"]["faiss"]["bytes"] = -1; }, "'files.faiss.bytes' is -1"},
        {"name-parent", [](json & j) { j["files"]["nodes"]["name"] = "../nodes.bin"; }, "leads outside the index directory"},
        {"name-slash", [](json & j) { j["files"]["faiss"]["name"] = "/etc/passwd"; }, "leads outside the index directory"},
        {"name-other", [](json & j) { j["files"]["faiss"]["name"] = "nodes.bin"; }, "expected 'index.faiss'"},
        {"crc-garbage", [](json & j) { j["files"]["nodes"]["crc32c"] = 12; }, "crc32c must be 8 hex digits"},
        {"not-normalized", [](json & j) { j["embedding"]["normalized"] = false; }, "normalized must be true"},
    };
    for (const auto & c : cases) {
        const fs::path d = with_manifest(tmp, good, c.name, c.edit);
        SCOPED_TRACE(c.name);
        expect_error(error_of([&] { vector_store_load(d.string()); }), c.needle);
    }
}

TEST(IndexIntegrity, NonFiniteVectorsAreRefusedAtInsert) {
    auto s = vector_store_new(test_info());
    auto v = random_vectors(2, kDim, 5);
    v[kDim + 7] = std::numeric_limits<float>::infinity();
    expect_error(error_of([&] { vector_store_add(*s, synthetic_nodes(0, 2), v); }), "non-finite");
    EXPECT_EQ(vector_store_size(*s), 0u);  // nothing of the batch went in
}
