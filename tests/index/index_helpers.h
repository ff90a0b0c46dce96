// Shared by the index tests: random unit vectors, synthetic nodes, a self-removing temp dir.
#pragma once

#include "ragppo/index.h"
#include "support/files.h"  // error_of, read_file, write_file

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace ragppo::test {

constexpr int kDim = 384;

// n x dim Gaussian vectors, L2-normalised unless `normalize` is false.
inline std::vector<float> random_vectors(size_t n, int dim, uint32_t seed, bool normalize = true) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> v(n * dim);
    for (auto & x : v) x = g(rng);
    if (normalize) {
        for (size_t i = 0; i < n; ++i) {
            double s = 0;
            for (int j = 0; j < dim; ++j) s += double(v[i * dim + j]) * v[i * dim + j];
            const float inv = float(1.0 / std::sqrt(s));
            for (int j = 0; j < dim; ++j) v[i * dim + j] *= inv;
        }
    }
    return v;
}

// Node i of a synthetic corpus: two nodes per recipe uid (so documents = n / 2).
inline IndexNode synthetic_node(size_t i, const std::string & tag = "") {
    IndexNode n;
    n.uid = "uid-" + std::to_string(i / 2);
    n.name = "Recipe " + std::to_string(i / 2) + tag;
    n.link = "www.example.com/r/" + std::to_string(i / 2);
    n.text = n.name + " \n\n chunk " + std::to_string(i) + tag + " \n\n unicode: créme brûlée ✓";
    return n;
}

inline std::vector<IndexNode> synthetic_nodes(size_t first, size_t n, const std::string & tag = "") {
    std::vector<IndexNode> out;
    for (size_t i = first; i < first + n; ++i) out.push_back(synthetic_node(i, tag));
    return out;
}

inline IndexInfo test_info(int dim = kDim) {
    IndexInfo info;
    info.embed_model = "BAAI/bge-small-en-v1.5";
    info.embed_model_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
    info.dim = dim;
    info.pooling = Pooling::Cls;
    info.query_instruction = "Represent this question for searching relevant passages: ";
    info.dataset = "m3hrdadfi/recipe_nlg_lite";
    info.dataset_revision = "abc123";
    info.dataset_split = "train";
    info.chunk_size = 1024;
    info.chunk_overlap = 200;
    return info;
}

inline VectorStorePtr make_store(size_t n, uint32_t seed, const IndexParams & params = {}, const std::string & tag = "") {
    auto s = vector_store_new(test_info(), params);
    vector_store_add(*s, synthetic_nodes(0, n, tag), random_vectors(n, kDim, seed));
    return s;
}

inline std::vector<float> row(const std::vector<float> & v, size_t i, int dim = kDim) {
    return std::vector<float>(v.begin() + i * dim, v.begin() + (i + 1) * dim);
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ragppo-index-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string & name) const { return (path / name).string(); }
};

}  // namespace ragppo::test
