#include "index/faiss_io.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_io.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <omp.h>
#include <unistd.h>

namespace ragppo::index {

void rethrow_faiss(const char * what) {
    try {
        throw;
    } catch (const faiss::FaissException & e) {
        // e.what() adds the FAISS source location on further lines; msg is the one-line reason.
        throw Error(std::string(what) + ": " + e.msg);
    } catch (const std::bad_alloc &) {
        throw Error(std::string(what) + ": out of memory");
    } catch (const std::exception & e) {
        std::string msg = e.what();
        msg = msg.substr(0, msg.find('\n'));
        throw Error(std::string(what) + ": " + msg);
    }
}

OmpThreadsScope::OmpThreadsScope(int n) {
    if (n <= 0) return;
    saved_ = omp_get_max_threads();
    omp_set_num_threads(n);
}

OmpThreadsScope::~OmpThreadsScope() {
    if (saved_ > 0) omp_set_num_threads(saved_);
}

std::unique_ptr<faiss::Index> faiss_new(int dim, const IndexParams & params) {
    if (dim <= 0) throw Error("an index needs a positive embedding dimension (got " + std::to_string(dim) + ")");
    if (params.kind == IndexKind::Flat) return std::make_unique<faiss::IndexFlatIP>(dim);
    if (params.hnsw_m < 2 || params.hnsw_ef_construction < 1 || params.hnsw_ef_search < 1) {
        throw Error("HNSW needs M >= 2, efConstruction >= 1 and efSearch >= 1");
    }
    auto index = std::make_unique<faiss::IndexHNSWFlat>(dim, params.hnsw_m, faiss::METRIC_INNER_PRODUCT);
    index->hnsw.efConstruction = params.hnsw_ef_construction;
    index->hnsw.efSearch = params.hnsw_ef_search;
    return index;
}

uint64_t faiss_write(const faiss::Index & index, const std::filesystem::path & path) {
    FILE * f = std::fopen(path.c_str(), "wbe");
    if (!f) throw Error("cannot create " + path.string() + ": " + std::strerror(errno));
    try {
        faiss_call("cannot write FAISS index", [&] { faiss::write_index(&index, f); });
    } catch (...) {
        std::fclose(f);
        throw;
    }
    const bool ok = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) throw Error("cannot write " + path.string() + ": " + std::strerror(ok ? errno : err));
    return std::filesystem::file_size(path);
}

std::unique_ptr<faiss::Index> faiss_read(const std::filesystem::path & path, const IndexManifest & m) {
    const std::string name = path.string();
    FILE * f = std::fopen(path.c_str(), "rbe");
    if (!f) throw Error("cannot open FAISS index " + name + ": " + std::strerror(errno));
    std::unique_ptr<faiss::Index> index;
    try {
        index.reset(faiss_call(("FAISS index " + name + " is unreadable").c_str(), [&] { return faiss::read_index(f); }));
    } catch (...) {
        std::fclose(f);
        throw;
    }
    std::fclose(f);
    if (index->metric_type != faiss::METRIC_INNER_PRODUCT) throw Error("FAISS index " + name + " does not use inner product");
    if (index->d != m.info.dim) {
        throw Error("FAISS index " + name + " has dimension " + std::to_string(index->d) + ", the manifest says " +
                    std::to_string(m.info.dim));
    }
    const bool is_hnsw = dynamic_cast<faiss::IndexHNSWFlat *>(index.get()) != nullptr;
    const bool is_flat = dynamic_cast<faiss::IndexFlatIP *>(index.get()) != nullptr;
    if ((m.params.kind == IndexKind::Hnsw && !is_hnsw) || (m.params.kind == IndexKind::Flat && !is_flat)) {
        throw Error("FAISS index " + name + " is not the " + index_kind_name(m.params.kind) + " index the manifest says");
    }
    return index;
}

void faiss_set_ef_search(faiss::Index & index, int ef_search) {
    if (auto * h = dynamic_cast<faiss::IndexHNSWFlat *>(&index); h && ef_search > 0) h->hnsw.efSearch = ef_search;
}

}  // namespace ragppo::index
