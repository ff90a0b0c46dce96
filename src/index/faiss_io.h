// The FAISS side of the store: making, reading and writing the index, with FAISS's
// multi-line exceptions turned into one-line ragppo::Error messages.
#pragma once

#include "ragppo/index.h"

#include <faiss/Index.h>

#include <filesystem>
#include <memory>

namespace ragppo::index {

std::unique_ptr<faiss::Index> faiss_new(int dim, const IndexParams & params);
// Write and fsync; returns the file size.
uint64_t faiss_write(const faiss::Index & index, const std::filesystem::path & path);
// Read and check it is an inner-product index of the kind and dimension the manifest says.
std::unique_ptr<faiss::Index> faiss_read(const std::filesystem::path & path, const IndexManifest & m);
void faiss_set_ef_search(faiss::Index & index, int ef_search);

// Limits the calling thread's OpenMP teams to n threads while in scope (0 = leave as is).
class OmpThreadsScope {
  public:
    explicit OmpThreadsScope(int n);
    ~OmpThreadsScope();
    OmpThreadsScope(const OmpThreadsScope &) = delete;
    OmpThreadsScope & operator=(const OmpThreadsScope &) = delete;

  private:
    int saved_ = 0;
};

// Run f, rethrowing a FAISS exception as ragppo::Error("<what>: <FAISS message>").
template <class F> auto faiss_call(const char * what, F && f) -> decltype(f());
[[noreturn]] void rethrow_faiss(const char * what);

template <class F> auto faiss_call(const char * what, F && f) -> decltype(f()) {
    try {
        return f();
    } catch (const Error &) {
        throw;
    } catch (...) {
        rethrow_faiss(what);
    }
}

}  // namespace ragppo::index
