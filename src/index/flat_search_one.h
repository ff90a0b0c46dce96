// Top-k of one query against an exact (flat inner-product) FAISS index, scored with
// one matrix-vector product. FAISS hands a single query to sgemm as a one-column
// matrix; OpenBLAS (the BLAS of a build without libtorch) packs the whole index for
// that and runs 10x slower than its own sgemv: 79 vs 7.7 us over 512 x 384 floats on
// an AVX2 EPYC. MKL (which libtorch brings) turns that sgemm into a gemv by itself, so
// the torch build loses nothing either way.
#pragma once

#include <faiss/IndexFlat.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ragppo::index {

struct ScoredRow {
    float score;
    int64_t row;
};

// The k best rows of `index` for query q (index.d floats), best first; equal scores in
// row order, as FAISS's heaps break ties. k is capped at index.ntotal.
std::vector<ScoredRow> flat_top_k_one(const faiss::IndexFlat & index, const float * q, size_t k);

}  // namespace ragppo::index
