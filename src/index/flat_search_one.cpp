#include "index/flat_search_one.h"

#include <algorithm>

// The Fortran BLAS entry point, from the BLAS FAISS itself links (libblas/OpenBLAS, or
// the MKL inside libtorch when that is loaded first).
extern "C" void sgemv_(const char * trans, const int * m, const int * n, const float * alpha, const float * a,
                       const int * lda, const float * x, const int * incx, const float * beta, float * y,
                       const int * incy);

namespace ragppo::index {

std::vector<ScoredRow> flat_top_k_one(const faiss::IndexFlat & index, const float * q, size_t k) {
    const int dim = static_cast<int>(index.d), rows = static_cast<int>(index.ntotal), one = 1;
    const float alpha = 1.0f, beta = 0.0f;
    std::vector<float> scores(static_cast<size_t>(rows));
    // Row-major rows x dim is column-major dim x rows: its transpose times q scores every row.
    if (rows > 0) sgemv_("T", &dim, &rows, &alpha, index.get_xb(), &dim, q, &one, &beta, scores.data(), &one);
    std::vector<ScoredRow> all(scores.size());
    for (size_t i = 0; i < scores.size(); ++i) all[i] = {scores[i], static_cast<int64_t>(i)};
    k = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                      [](const ScoredRow & a, const ScoredRow & b) { return a.score > b.score || (a.score == b.score && a.row < b.row); });
    all.resize(k);
    return all;
}

}  // namespace ragppo::index
