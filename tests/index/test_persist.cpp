// index/: saving and loading an index directory, the manifest, model checks,
// incremental add on disk, and one-line errors for damaged files.
#include "index/index_helpers.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path & p) { return read_file(p); }
void spit(const fs::path & p, const std::string & s) { write_file(p, s); }

void expect_same_results(const VectorStore & a, const VectorStore & b, const std::vector<float> & queries) {
    const auto ha = vector_store_search_batch(a, queries, 3);
    const auto hb = vector_store_search_batch(b, queries, 3);
    ASSERT_EQ(ha.size(), hb.size());
    for (size_t q = 0; q < ha.size(); ++q) {
        ASSERT_EQ(ha[q].size(), hb[q].size());
        for (size_t j = 0; j < ha[q].size(); ++j) {
            EXPECT_EQ(ha[q][j].index, hb[q][j].index);
            EXPECT_FLOAT_EQ(ha[q][j].score, hb[q][j].score);
            EXPECT_EQ(ha[q][j].node.text, hb[q][j].node.text);
        }
    }
}

// One line, and it says what it should.
void expect_error(const std::string & msg, const std::string & needle) {
    EXPECT_NE(msg, "") << "no ragppo::Error thrown";
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
}

}  // namespace

TEST(IndexPersist, RoundTripKeepsNodesResultsAndManifest) {
    TempDir tmp;
    const auto vecs = random_vectors(300, kDim, 20);
    auto s = vector_store_new(test_info());
    vector_store_add(*s, synthetic_nodes(0, 300), vecs);
    vector_store_save(*s, tmp / "idx");

    auto l = vector_store_load(tmp / "idx");
    ASSERT_EQ(vector_store_size(*l), 300u);
    for (size_t i = 0; i < 300; ++i) {
        const IndexNode a = vector_store_node(*s, i), b = vector_store_node(*l, i);
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.text, b.text);
        EXPECT_EQ(a.uid, b.uid);
        EXPECT_EQ(a.name, b.name);
        EXPECT_EQ(a.link, b.link);
    }
    expect_same_results(*s, *l, random_vectors(30, kDim, 21));

    const IndexManifest m = index_read_manifest(tmp / "idx");
    const IndexInfo want = test_info();
    EXPECT_EQ(m.info.embed_model, want.embed_model);
    EXPECT_EQ(m.info.embed_model_sha256, want.embed_model_sha256);
    EXPECT_EQ(m.info.dim, 384);
    EXPECT_EQ(m.info.pooling, Pooling::Cls);
    EXPECT_EQ(m.info.query_instruction, want.query_instruction);
    EXPECT_EQ(m.info.dataset, want.dataset);
    EXPECT_EQ(m.info.dataset_revision, want.dataset_revision);
    EXPECT_EQ(m.info.dataset_split, "train");
    EXPECT_EQ(m.info.chunk_size, 1024);
    EXPECT_EQ(m.info.chunk_overlap, 200);
    EXPECT_EQ(m.n_nodes, 300u);
    EXPECT_EQ(m.n_documents, 150u);
    EXPECT_EQ(m.params.kind, IndexKind::Flat);
    EXPECT_FALSE(m.ragppo_version.empty());

    // The JSON itself, as other tools will read it.
    const auto j = nlohmann::json::parse(slurp(tmp.path / "idx" / "manifest.json"));
    EXPECT_EQ(j["embedding"]["model"], want.embed_model);
    EXPECT_EQ(j["embedding"]["pooling"], "cls");
    EXPECT_EQ(j["counts"]["nodes"], 300);
    EXPECT_EQ(j["index"]["kind"], "flat");
    EXPECT_EQ(j["splitter"]["chunk_overlap"], 200);

    // Only the three files; no temp or backup dirs left beside it.
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path / "idx"), fs::directory_iterator()), 3);
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path), fs::directory_iterator()), 1);
}

TEST(IndexPersist, RebuildGivesIdenticalFiles) {
    TempDir tmp;
    vector_store_save(*make_store(50, 22), tmp / "a");
    vector_store_save(*make_store(50, 22), tmp / "b");
    for (const char * f : {"index.faiss", "nodes.bin", "manifest.json"}) {
        EXPECT_EQ(slurp(tmp.path / "a" / f), slurp(tmp.path / "b" / f)) << f;
    }
}

TEST(IndexPersist, HnswRoundTripKeepsKindAndParams) {
    TempDir tmp;
    IndexParams p;
    p.kind = IndexKind::Hnsw;
    p.hnsw_m = 12;
    p.hnsw_ef_search = 40;
    auto s = make_store(300, 23, p);
    vector_store_save(*s, tmp / "h");
    auto l = vector_store_load(tmp / "h");
    const IndexManifest m = vector_store_manifest(*l);
    EXPECT_EQ(m.params.kind, IndexKind::Hnsw);
    EXPECT_EQ(m.params.hnsw_m, 12);
    EXPECT_EQ(m.params.hnsw_ef_search, 40);
    expect_same_results(*s, *l, random_vectors(30, kDim, 24));

    IndexLoadParams lp;
    lp.hnsw_ef_search = 100;
    EXPECT_EQ(vector_store_manifest(*vector_store_load(tmp / "h", lp)).params.hnsw_ef_search, 100);
}

TEST(IndexPersist, OtherEmbeddingModelIsRefused) {
    TempDir tmp;
    vector_store_save(*make_store(10, 25), tmp / "idx");
    const IndexInfo built = test_info();

    IndexLoadParams same;
    same.expect_model = built.embed_model;
    same.expect_model_sha256 = built.embed_model_sha256;
    same.expect_dim = 384;
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "idx", same)), 10u);

    IndexLoadParams other_id = same;
    other_id.expect_model_sha256.clear();
    other_id.expect_model = "sentence-transformers/all-MiniLM-L6-v2";
    const std::string msg = error_of([&] { vector_store_load(tmp / "idx", other_id); });
    expect_error(msg, "BAAI/bge-small-en-v1.5");
    expect_error(msg, "sentence-transformers/all-MiniLM-L6-v2");

    IndexLoadParams other_hash = same;
    other_hash.expect_model_sha256 = std::string(64, '2');
    expect_error(error_of([&] { vector_store_load(tmp / "idx", other_hash); }), "222222222222");

    IndexLoadParams other_dim = same;
    other_dim.expect_dim = 768;
    expect_error(error_of([&] { vector_store_load(tmp / "idx", other_dim); }), "768-d");

    // The same file under another name (a local path) is the same model.
    IndexLoadParams same_file = same;
    same_file.expect_model = "/models/bge-small-en-v1.5-f16.gguf";
    EXPECT_EQ(error_of([&] { vector_store_load(tmp / "idx", same_file); }), "");
    // And appending is checked the same way.
    expect_error(error_of([&] { vector_store_append(tmp / "idx", synthetic_nodes(10, 1), random_vectors(1, kDim, 1), other_dim); }),
                 "768-d");
}

TEST(IndexPersist, AppendOnDiskAddsNewNodesOnly) {
    TempDir tmp;
    const auto vecs = random_vectors(100, kDim, 26);
    auto s = vector_store_new(test_info());
    vector_store_add(*s, synthetic_nodes(0, 100), vecs);
    vector_store_save(*s, tmp / "idx");
    const auto queries = random_vectors(20, kDim, 27);
    const auto before = vector_store_search_batch(*s, vecs, 3);

    auto nodes = synthetic_nodes(100, 50, " extra");
    const auto dupes = synthetic_nodes(90, 10);
    nodes.insert(nodes.end(), dupes.begin(), dupes.end());
    IndexLoadParams lp;
    lp.expect_model = test_info().embed_model;
    EXPECT_EQ(vector_store_append(tmp / "idx", nodes, random_vectors(60, kDim, 28), lp), 50u);

    auto l = vector_store_load(tmp / "idx");
    EXPECT_EQ(vector_store_size(*l), 150u);
    EXPECT_EQ(index_read_manifest(tmp / "idx").n_nodes, 150u);
    EXPECT_EQ(index_read_manifest(tmp / "idx").n_documents, 75u);
    EXPECT_EQ(vector_store_node(*l, 120).text, nodes[20].text);
    const auto after = vector_store_search_batch(*l, vecs, 3);
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(after[i][0].index, before[i][0].index);

    // Everything already there: nothing changes.
    EXPECT_EQ(vector_store_append(tmp / "idx", nodes, random_vectors(60, kDim, 28)), 0u);
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "idx")), 150u);
}

TEST(IndexPersist, DamagedDirectoriesGiveOneLineErrors) {
    TempDir tmp;
    vector_store_save(*make_store(40, 29), tmp / "good");
    const fs::path good = tmp.path / "good";
    // The structural checks below run as for an index written before checksums were
    // recorded (no crc32c in its manifest); with them the CRC check catches these
    // first (test_integrity.cpp).
    auto copy = [&](const std::string & name) {
        fs::copy(good, tmp.path / name, fs::copy_options::recursive);
        auto m = nlohmann::json::parse(slurp(good / "manifest.json"));
        m["files"]["faiss"].erase("crc32c");
        m["files"]["nodes"].erase("crc32c");
        spit(tmp.path / name / "manifest.json", m.dump());
        return tmp.path / name;
    };

    expect_error(error_of([&] { vector_store_load(tmp / "nothing-here"); }), "not a directory");

    const fs::path no_manifest = copy("no-manifest");
    fs::remove(no_manifest / "manifest.json");
    expect_error(error_of([&] { vector_store_load(no_manifest); }), "manifest.json is missing");

    const fs::path bad_json = copy("bad-json");
    spit(bad_json / "manifest.json", "{\"format\": \"ragppo-index\", ");
    expect_error(error_of([&] { vector_store_load(bad_json); }), "not valid JSON");

    const fs::path no_field = copy("no-field");
    auto j = nlohmann::json::parse(slurp(good / "manifest.json"));
    j["embedding"].erase("dim");
    spit(no_field / "manifest.json", j.dump());
    expect_error(error_of([&] { vector_store_load(no_field); }), "embedding.dim");

    const fs::path no_faiss = copy("no-faiss");
    fs::remove(no_faiss / "index.faiss");
    expect_error(error_of([&] { vector_store_load(no_faiss); }), "index.faiss is missing");

    const fs::path short_nodes = copy("short-nodes");
    fs::resize_file(short_nodes / "nodes.bin", fs::file_size(good / "nodes.bin") - 7);
    expect_error(error_of([&] { vector_store_load(short_nodes); }), "truncated");

    // Truncated with a manifest that agrees: the node store's own header catches it.
    const fs::path short_nodes2 = copy("short-nodes2");
    const auto cut = fs::file_size(good / "nodes.bin") - 7;
    fs::resize_file(short_nodes2 / "nodes.bin", cut);
    auto j2 = nlohmann::json::parse(slurp(short_nodes2 / "manifest.json"));
    j2["files"]["nodes"]["bytes"] = cut;
    spit(short_nodes2 / "manifest.json", j2.dump());
    expect_error(error_of([&] { vector_store_load(short_nodes2); }), "nodes.bin is truncated");

    const fs::path bad_nodes = copy("bad-nodes");
    std::string nb = slurp(good / "nodes.bin");
    nb[0] = 'X';
    spit(bad_nodes / "nodes.bin", nb);
    expect_error(error_of([&] { vector_store_load(bad_nodes); }), "not a ragppo node store");

    const fs::path bad_faiss = copy("bad-faiss");
    spit(bad_faiss / "index.faiss", std::string(fs::file_size(good / "index.faiss"), 'z'));
    expect_error(error_of([&] { vector_store_load(bad_faiss); }), "unreadable");

    const fs::path short_faiss = copy("short-faiss");
    fs::resize_file(short_faiss / "index.faiss", 100);
    expect_error(error_of([&] { vector_store_load(short_faiss); }), "index.faiss is truncated");

    // The good one still loads after all that.
    EXPECT_EQ(vector_store_size(*vector_store_load(good)), 40u);
}

TEST(IndexPersist, SavingOverAFileIsRefused) {
    TempDir tmp;
    spit(tmp.path / "file", "not an index");
    expect_error(error_of([&] { vector_store_save(*make_store(5, 30), tmp / "file"); }), "not an index directory");
    EXPECT_EQ(slurp(tmp.path / "file"), "not an index");
}
