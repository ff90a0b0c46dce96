// Vector-store retrieval latency (top-3) and build time, on synthetic unit vectors.
//
//   ragppo-bench-index [--dim 384] [--flat-n 6000] [--hnsw-n 1000000] [--hnsw-budget-s 180]
//                      [--queries 1000] [--m 32] [--ef-construction 40] [--ef-search 64,128]
//                      [--recall-queries 100] [--dir PATH]
//
// Flat (exact) at the size of the recipe index, then HNSW grown in chunks towards
// --hnsw-n until the build has taken --hnsw-budget-s: "hnsw.n" is the size it reached.
// Queries are stored vectors plus Gaussian noise (as a question lies near its recipe).
// Prints one JSON object on stdout.
#include "index/vector_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <time.h>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds of the whole process (all threads): steadier than wall time on a shared machine.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

void normalize(float * v, int dim) {
    double s = 0;
    for (int j = 0; j < dim; ++j) s += double(v[j]) * v[j];
    const float inv = float(1.0 / std::sqrt(s));
    for (int j = 0; j < dim; ++j) v[j] *= inv;
}

std::vector<float> unit_vectors(size_t n, int dim, std::mt19937 & rng) {
    std::normal_distribution<float> g;
    std::vector<float> v(n * dim);
    for (auto & x : v) x = g(rng);
    for (size_t i = 0; i < n; ++i) normalize(&v[i * dim], dim);
    return v;
}

std::vector<float> queries_near(const std::vector<float> & base, size_t nq, int dim, std::mt19937 & rng) {
    const size_t n = base.size() / dim;
    std::normal_distribution<float> g(0.0f, 1.0f / std::sqrt(float(dim)));
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<float> q(nq * dim);
    for (size_t i = 0; i < nq; ++i) {
        const size_t r = pick(rng);
        for (int j = 0; j < dim; ++j) q[i * dim + j] = base[r * dim + j] + 0.8f * g(rng);
        normalize(&q[i * dim], dim);
    }
    return q;
}

std::vector<ragppo::IndexNode> nodes(size_t first, size_t n) {
    std::vector<ragppo::IndexNode> out(n);
    for (size_t i = 0; i < n; ++i) {
        const size_t k = first + i;
        out[i].uid = std::to_string(k);
        out[i].name = "Synthetic recipe " + std::to_string(k);
        out[i].text = out[i].name + " \n\n ingredients " + std::to_string(k) + " \n\n steps";
    }
    return out;
}

// p50 / p99 / mean of single-query top-3 latency, in milliseconds.
json latency(const ragppo::VectorStore & s, const std::vector<float> & queries, int dim) {
    const size_t nq = queries.size() / dim;
    std::vector<double> ms;
    ms.reserve(nq);
    const double cpu0 = cpu_seconds();
    for (size_t i = 0; i < nq; ++i) {
        const std::vector<float> q(queries.begin() + i * dim, queries.begin() + (i + 1) * dim);
        const auto t0 = Clock::now();
        const auto hits = ragppo::vector_store_search(s, q, 3);
        ms.push_back(since(t0) * 1e3);
        if (hits.size() != 3) throw ragppo::Error("search returned " + std::to_string(hits.size()) + " hits");
    }
    const double cpu_ms = (cpu_seconds() - cpu0) * 1e3 / double(nq);
    std::sort(ms.begin(), ms.end());
    double sum = 0;
    for (double x : ms) sum += x;
    return {{"queries", nq},
            {"p50_ms", ms[nq / 2]},
            {"p99_ms", ms[std::min(nq - 1, nq * 99 / 100)]},
            {"mean_ms", sum / nq},
            {"cpu_ms_per_query", cpu_ms}};
}

// Exact top-3 by brute force, to score HNSW's recall.
std::vector<size_t> exact_top3(const std::vector<float> & base, const float * q, int dim) {
    const size_t n = base.size() / dim;
    std::vector<std::pair<float, size_t>> best(3, {-2.0f, 0});
    for (size_t i = 0; i < n; ++i) {
        const float * v = &base[i * dim];
        float s = 0;
        for (int j = 0; j < dim; ++j) s += v[j] * q[j];
        if (s > best[2].first) {
            best[2] = {s, i};
            std::sort(best.begin(), best.end(), [](auto & a, auto & b) { return a.first > b.first; });
        }
    }
    return {best[0].second, best[1].second, best[2].second};
}

double recall_at3(const ragppo::VectorStore & s, const std::vector<float> & base, const std::vector<float> & queries, int dim) {
    const size_t nq = queries.size() / dim;
    const auto hits = ragppo::vector_store_search_batch(s, queries, 3);
    size_t found = 0;
    for (size_t i = 0; i < nq; ++i) {
        const auto exact = exact_top3(base, &queries[i * dim], dim);
        for (const auto & h : hits[i]) found += std::count(exact.begin(), exact.end(), h.index);
    }
    return double(found) / (3.0 * nq);
}

std::vector<int> int_list(const std::string & s) {
    std::vector<int> out;
    std::stringstream ss(s);
    for (std::string x; std::getline(ss, x, ',');) out.push_back(std::stoi(x));
    return out;
}

}  // namespace

int main(int argc, char ** argv) try {
    int dim = 384;
    size_t flat_n = 6000, hnsw_n = 1000000, nq = 1000, recall_nq = 100;
    double budget_s = 180;
    ragppo::IndexParams hp;
    hp.kind = ragppo::IndexKind::Hnsw;
    std::vector<int> ef_search = {64, 128};
    std::string dir = (std::filesystem::temp_directory_path() / "ragppo-bench-index").string();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--dim") dim = std::stoi(next());
        else if (a == "--flat-n") flat_n = std::stoul(next());
        else if (a == "--hnsw-n") hnsw_n = std::stoul(next());
        else if (a == "--hnsw-budget-s") budget_s = std::stod(next());
        else if (a == "--queries") nq = std::stoul(next());
        else if (a == "--recall-queries") recall_nq = std::stoul(next());
        else if (a == "--m") hp.hnsw_m = std::stoi(next());
        else if (a == "--ef-construction") hp.hnsw_ef_construction = std::stoi(next());
        else if (a == "--ef-search") ef_search = int_list(next());
        else if (a == "--dir") dir = next();
        else throw ragppo::Error("unknown option " + a + " (see the comment at the top of bench_index.cpp)");
    }
    std::mt19937 rng(1234);
    ragppo::IndexInfo info;
    info.embed_model = "synthetic";
    info.dim = dim;
    json out = {{"dim", dim}};

    {  // ---- flat, recipe-index size
        const auto base = unit_vectors(flat_n, dim, rng);
        auto t0 = Clock::now();
        auto s = ragppo::vector_store_new(info);
        ragppo::vector_store_add(*s, nodes(0, flat_n), base);
        const double build_s = since(t0);
        t0 = Clock::now();
        ragppo::vector_store_save(*s, dir);
        const double save_s = since(t0);
        t0 = Clock::now();
        auto l = ragppo::vector_store_load(dir);
        const double load_s = since(t0);
        const auto q = queries_near(base, nq, dim, rng);
        t0 = Clock::now();
        ragppo::vector_store_search_batch(*l, q, 3);
        const double batch_s = since(t0);
        out["flat"] = {{"n", flat_n},          {"build_s", build_s}, {"save_s", save_s}, {"load_s", load_s},
                       {"top3", latency(*l, q, dim)}, {"batch_qps", nq / batch_s}};
        std::filesystem::remove_all(dir);
    }

    {  // ---- HNSW, grown until the size or the time budget is reached
        auto s = ragppo::vector_store_new(info, hp);
        std::vector<float> base;
        const size_t chunk = 10000;
        const auto t0 = Clock::now();
        const double cpu0 = cpu_seconds();
        size_t n = 0;
        while (n < hnsw_n && since(t0) < budget_s) {
            const size_t m = std::min(chunk, hnsw_n - n);
            const auto v = unit_vectors(m, dim, rng);
            ragppo::vector_store_add(*s, nodes(n, m), v);
            base.insert(base.end(), v.begin(), v.end());
            n += m;
        }
        const double build_s = since(t0);
        const double build_cpu_s = cpu_seconds() - cpu0;
        json runs = json::array();
        const auto q = queries_near(base, nq, dim, rng);
        const auto rq = queries_near(base, recall_nq, dim, rng);
        // efSearch is set on load, so each setting is measured on a reloaded copy.
        ragppo::vector_store_save(*s, dir);
        s.reset();
        for (int ef : ef_search) {
            ragppo::IndexLoadParams lp;
            lp.hnsw_ef_search = ef;
            auto l = ragppo::vector_store_load(dir, lp);
            runs.push_back({{"ef_search", ef}, {"top3", latency(*l, q, dim)}, {"recall_at_3", recall_at3(*l, base, rq, dim)}});
        }
        std::filesystem::remove_all(dir);
        out["hnsw"] = {{"n", n},
                       {"target_n", hnsw_n},
                       {"reached_target", n >= hnsw_n},
                       {"budget_s", budget_s},
                       {"m", hp.hnsw_m},
                       {"ef_construction", hp.hnsw_ef_construction},
                       {"build_s", build_s},
                       {"build_per_1k_s", build_s * 1000.0 / double(n)},
                       {"build_cpu_s", build_cpu_s},
                       {"search", runs}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
} catch (const std::exception & e) {
    std::fprintf(stderr, "ragppo-bench-index: %s\n", e.what());
    return 1;
}
