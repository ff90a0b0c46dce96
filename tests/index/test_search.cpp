// index/: search on an in-memory store (flat and HNSW), node ids, incremental add.
#include "index/index_helpers.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace ragppo;
using namespace ragppo::test;

namespace {

double dot(const float * a, const float * b, int n) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += double(a[i]) * b[i];
    return s;
}

// Exact top-k indices by brute force.
std::vector<size_t> brute_top(const std::vector<float> & base, const float * q, size_t k) {
    const size_t n = base.size() / kDim;
    std::vector<double> s(n);
    for (size_t i = 0; i < n; ++i) s[i] = dot(&base[i * kDim], q, kDim);
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
    idx.resize(k);
    return idx;
}

}  // namespace

TEST(IndexSearch, SelfRetrievalIsExactTop1) {
    const size_t n = 1000;
    const auto vecs = random_vectors(n, kDim, 1);
    auto s = vector_store_new(test_info());
    ASSERT_EQ(vector_store_add(*s, synthetic_nodes(0, n), vecs), n);
    const auto hits = vector_store_search_batch(*s, vecs, 1);
    ASSERT_EQ(hits.size(), n);
    for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[i].size(), 1u);
        EXPECT_EQ(hits[i][0].index, i);
        EXPECT_NEAR(hits[i][0].score, 1.0f, 1e-5);
        EXPECT_EQ(hits[i][0].node.text, synthetic_node(i).text);
    }
}

TEST(IndexSearch, ScoresEqualBruteForceDotProducts) {
    const size_t n = 500;
    const auto vecs = random_vectors(n, kDim, 2);
    auto s = vector_store_new(test_info());
    // Stored unnormalised: the store must normalise them itself.
    auto scaled = vecs;
    for (size_t i = 0; i < scaled.size(); ++i) scaled[i] *= float(1 + (i / kDim) % 7);
    vector_store_add(*s, synthetic_nodes(0, n), scaled);

    auto queries = random_vectors(20, kDim, 3, /*normalize=*/false);
    const auto hits = vector_store_search_batch(*s, queries, 5);
    const auto unit_queries = random_vectors(20, kDim, 3);
    for (size_t q = 0; q < 20; ++q) {
        const auto expect = brute_top(vecs, &unit_queries[q * kDim], 5);
        ASSERT_EQ(hits[q].size(), 5u);
        for (size_t j = 0; j < 5; ++j) {
            EXPECT_EQ(hits[q][j].index, expect[j]);
            EXPECT_NEAR(hits[q][j].score, dot(&vecs[expect[j] * kDim], &unit_queries[q * kDim], kDim), 1e-5);
        }
        // The single-query entry point agrees with the batch one.
        const auto one = vector_store_search(*s, row(queries, q), 5);
        for (size_t j = 0; j < 5; ++j) EXPECT_EQ(one[j].index, hits[q][j].index);
    }
}

// A single query takes its own path (one sgemv, index/flat_search_one.h); a batch of
// queries takes FAISS's (sgemm). They must agree hit for hit up to copies of a vector:
// rows 0..9 repeat as rows 10..19 and 20..29, and which copy FAISS ranks first depends
// on the last bit of a sum (sgemv and sgemm alike); equal scores are ranked by row.
TEST(IndexSearch, OneQueryFindsWhatABatchOfQueriesFinds) {
    const size_t distinct = 10, n = 30;
    const auto base = random_vectors(distinct, kDim, 4);
    std::vector<float> vecs;
    for (int copy = 0; copy < 3; ++copy) vecs.insert(vecs.end(), base.begin(), base.end());
    auto s = vector_store_new(test_info());
    ASSERT_EQ(vector_store_add(*s, synthetic_nodes(0, n), vecs), n);
    const auto queries = random_vectors(8, kDim, 5, /*normalize=*/false);
    for (int k : {1, 3, 7, 40}) {
        const auto batch = vector_store_search_batch(*s, queries, k);
        ASSERT_EQ(batch.size(), 8u);
        for (size_t q = 0; q < 8; ++q) {
            const auto hits = vector_store_search(*s, row(queries, q), k);
            ASSERT_EQ(hits.size(), std::min<size_t>(k, n));
            ASSERT_EQ(hits.size(), batch[q].size());
            for (size_t j = 0; j < hits.size(); ++j) {
                EXPECT_EQ(hits[j].index % distinct, batch[q][j].index % distinct)
                    << "k " << k << " query " << q << " hit " << j;
                EXPECT_NEAR(hits[j].score, batch[q][j].score, 1e-6);
                EXPECT_EQ(hits[j].node.text, synthetic_node(hits[j].index).text);
                if (j > 0) {
                    EXPECT_GE(hits[j - 1].score, hits[j].score);
                    if (hits[j - 1].score == hits[j].score) EXPECT_LT(hits[j - 1].index, hits[j].index);
                }
            }
        }
    }
}

TEST(IndexSearch, DefaultTopKIsThreeAndHitsCarryMetadata) {
    const auto vecs = random_vectors(10, kDim, 4);
    auto s = vector_store_new(test_info());
    vector_store_add(*s, synthetic_nodes(0, 10), vecs);
    const auto hits = vector_store_search(*s, row(vecs, 7));
    ASSERT_EQ(hits.size(), 3u);
    EXPECT_EQ(hits[0].index, 7u);
    EXPECT_GE(hits[0].score, hits[1].score);
    EXPECT_GE(hits[1].score, hits[2].score);
    const IndexNode expect = synthetic_node(7);
    EXPECT_EQ(hits[0].node.uid, expect.uid);
    EXPECT_EQ(hits[0].node.name, expect.name);
    EXPECT_EQ(hits[0].node.link, expect.link);
    EXPECT_EQ(hits[0].node.id, index_node_id(expect.text));
}

TEST(IndexSearch, KIsClampedAndBadQueriesAreRefused) {
    auto empty = vector_store_new(test_info());
    EXPECT_TRUE(vector_store_search(*empty, random_vectors(1, kDim, 5)).empty());

    const auto vecs = random_vectors(4, kDim, 6);
    auto s = vector_store_new(test_info());
    vector_store_add(*s, synthetic_nodes(0, 4), vecs);
    EXPECT_EQ(vector_store_search(*s, row(vecs, 0), 10).size(), 4u);

    const std::string bad_dim = error_of([&] { vector_store_search(*s, std::vector<float>(768, 0.1f)); });
    EXPECT_NE(bad_dim.find("768"), std::string::npos) << bad_dim;
    EXPECT_NE(bad_dim.find("384"), std::string::npos) << bad_dim;
    EXPECT_NE(error_of([&] { vector_store_search(*s, row(vecs, 0), 0); }), "");
    EXPECT_NE(error_of([&] { vector_store_search_batch(*s, std::vector<float>(kDim + 1)); }), "");
    EXPECT_NE(error_of([&] { vector_store_add(*s, synthetic_nodes(10, 2), random_vectors(1, kDim, 7)); }), "");
    EXPECT_NE(error_of([&] { vector_store_node(*s, 4); }), "");
    auto nan = random_vectors(1, kDim, 9);
    nan[5] = std::nanf("");
    const std::string nan_err = error_of([&] { vector_store_add(*s, synthetic_nodes(20, 1), nan); });
    EXPECT_NE(nan_err.find("non-finite"), std::string::npos) << nan_err;
    EXPECT_EQ(vector_store_size(*s), 4u);
    for (const auto & query : {nan, [&] { auto inf = row(vecs, 0); inf[0] = INFINITY; return inf; }()}) {
        EXPECT_EQ(error_of([&] { vector_store_search(*s, query); }), "a query vector has non-finite values");
        EXPECT_EQ(error_of([&] { vector_store_search_batch(*s, query, 3); }), "a query vector has non-finite values");
    }
    EXPECT_NE(error_of([] { vector_store_new(test_info(0)); }), "");
}

TEST(IndexSearch, NodeIdsAreContentHashes) {
    // sha256("abc"), the FIPS 180-2 test vector.
    EXPECT_EQ(index_node_id("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    auto a = make_store(20, 8);
    auto b = make_store(20, 9);  // other vectors, same texts: same ids
    for (size_t i = 0; i < 20; ++i) {
        EXPECT_EQ(vector_store_node(*a, i).id, vector_store_node(*b, i).id);
        EXPECT_EQ(vector_store_node(*a, i).id, index_node_id(synthetic_node(i).text));
    }
    EXPECT_NE(vector_store_node(*a, 0).id, vector_store_node(*a, 1).id);
}

TEST(IndexSearch, IncrementalAddSkipsDuplicatesAndKeepsOldResults) {
    const auto vecs = random_vectors(100, kDim, 10);
    auto s = vector_store_new(test_info());
    vector_store_add(*s, synthetic_nodes(0, 100), vecs);
    const auto before = vector_store_search_batch(*s, vecs, 3);

    // 30 new nodes, 5 already present, and one new node given twice.
    auto nodes = synthetic_nodes(100, 30, " new");
    auto more = synthetic_nodes(0, 5);
    nodes.insert(nodes.end(), more.begin(), more.end());
    nodes.push_back(nodes[0]);
    auto add_vecs = random_vectors(nodes.size(), kDim, 11);
    EXPECT_TRUE(vector_store_contains(*s, index_node_id(synthetic_node(3).text)));
    EXPECT_FALSE(vector_store_contains(*s, index_node_id(nodes[0].text)));
    EXPECT_EQ(vector_store_add(*s, nodes, add_vecs), 30u);
    EXPECT_EQ(vector_store_size(*s), 130u);
    EXPECT_TRUE(vector_store_contains(*s, index_node_id(nodes[0].text)));
    EXPECT_EQ(vector_store_add(*s, nodes, add_vecs), 0u);

    // Old nodes still find themselves with the same neighbours where no new node is closer.
    const auto after = vector_store_search_batch(*s, vecs, 3);
    for (size_t i = 0; i < 100; ++i) {
        EXPECT_EQ(after[i][0].index, before[i][0].index);
        EXPECT_NEAR(after[i][0].score, before[i][0].score, 1e-6);
    }
    // New nodes are searchable at the positions they were appended at.
    const auto hit = vector_store_search(*s, row(add_vecs, 4), 1);
    EXPECT_EQ(hit[0].index, 104u);
    EXPECT_EQ(hit[0].node.text, nodes[4].text);
    EXPECT_EQ(vector_store_manifest(*s).n_nodes, 130u);
    EXPECT_EQ(vector_store_manifest(*s).n_documents, 65u);
}

// 64-d rather than 384-d keeps this under 2 s of CPU: Debian's generic (SSE-only) FAISS
// build spends ~8 s of CPU to build a 5k x 384 HNSW graph. Uniform random vectors are
// the hard case for HNSW (no cluster structure); real embeddings do better.
TEST(IndexSearch, HnswRecallAt3IsAtLeast90PercentOfExact) {
    const size_t n = 5000, nq = 200;
    const int dim = 64;
    const auto vecs = random_vectors(n, dim, 12);
    const auto nodes = synthetic_nodes(0, n);
    auto flat = vector_store_new(test_info(dim));
    vector_store_add(*flat, nodes, vecs);
    IndexParams hp;  // default M and efSearch
    hp.kind = IndexKind::Hnsw;
    auto hnsw = vector_store_new(test_info(dim), hp);
    vector_store_add(*hnsw, nodes, vecs);

    const auto queries = random_vectors(nq, dim, 13);
    const auto exact = vector_store_search_batch(*flat, queries, 3);
    const auto approx = vector_store_search_batch(*hnsw, queries, 3);
    size_t found = 0;
    for (size_t q = 0; q < nq; ++q) {
        ASSERT_EQ(approx[q].size(), 3u);
        for (const auto & h : approx[q]) {
            for (const auto & e : exact[q]) found += h.index == e.index;
            // Approximate search, exact scores.
            EXPECT_NEAR(h.score, dot(&vecs[h.index * dim], &queries[q * dim], dim), 1e-5);
        }
    }
    const double recall = double(found) / (3.0 * nq);
    RecordProperty("recall_at_3", std::to_string(recall));
    EXPECT_GE(recall, 0.9);
}
