// Vector-store retrieval latency (top-3) and build time, on synthetic unit vectors.
//
//   ragppo-bench-index [--dim 384] [--data lowrank|gaussian] [--latent-dim 32]
//                      [--flat-n 6118] [--hnsw-n 1000000] [--hnsw-budget-s 1800]
//                      [--queries 1000] [--m 16] [--ef-construction 40] [--ef-search 16,32,64,128]
//                      [--recall-queries 200] [--dir PATH] [--skip-flat] [--skip-hnsw]
//
// Flat (exact) at the size of the recipe index (recipe_nlg_lite's train split: 6,118
// nodes), then HNSW grown in chunks towards --hnsw-n until the build has taken
// --hnsw-budget-s: "hnsw.n" is the size it reached. Queries are stored vectors plus
// Gaussian noise (as a question lies near its recipe). HNSW recall is measured against an
// exact brute-force top-3 of the same vectors.
//
// Data: "lowrank" (default) draws each vector from a 32-dimensional Gaussian mapped into
// 384 dimensions plus 10% isotropic noise, a stand-in for sentence embeddings, whose
// neighbourhoods have a low intrinsic dimension; "gaussian" draws isotropic vectors, the
// worst case for a graph index (every pair of vectors is nearly orthogonal, so the 2nd and
// 3rd nearest neighbours are barely nearer than the rest).
// Prints one JSON object on stdout, progress on stderr.
#include "ragppo/index.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
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

// Draws unit vectors of one distribution; the latent map is fixed by the seed, so chunks
// drawn one after another belong to the same data set.
class VectorSource {
public:
    VectorSource(const std::string & kind, int dim, int latent, std::mt19937 & rng) : dim_(dim), latent_(latent), rng_(rng) {
        if (kind == "gaussian") {
            latent_ = 0;
        } else if (kind != "lowrank") {
            throw ragppo::Error("unknown --data " + kind + " (lowrank or gaussian)");
        } else {
            if (latent_ < 1 || latent_ > dim_) throw ragppo::Error("--latent-dim must be 1.." + std::to_string(dim_));
            std::normal_distribution<float> g;
            map_.resize(size_t(dim_) * latent_);
            for (auto & x : map_) x = g(rng_);
            // 10% of the energy is noise: |Az|^2 ~ dim * latent, |s e|^2 ~ dim * s^2.
            noise_ = float(std::sqrt(0.1 / 0.9 * latent_));
        }
    }

    std::vector<float> draw(size_t n) {
        std::normal_distribution<float> g;
        std::vector<float> v(n * dim_);
        std::vector<float> z(latent_);
        for (size_t i = 0; i < n; ++i) {
            float * out = &v[i * dim_];
            if (latent_ == 0) {
                for (int j = 0; j < dim_; ++j) out[j] = g(rng_);
            } else {
                for (auto & x : z) x = g(rng_);
                for (int j = 0; j < dim_; ++j) {
                    const float * a = &map_[size_t(j) * latent_];
                    float s = 0;
                    for (int k = 0; k < latent_; ++k) s += a[k] * z[k];
                    out[j] = s + noise_ * g(rng_);
                }
            }
            normalize(out, dim_);
        }
        return v;
    }

private:
    int dim_, latent_;
    std::mt19937 & rng_;
    std::vector<float> map_;  // dim x latent
    float noise_ = 0;
};

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

// Exact top-3 of every query by brute force: one pass over the base, all queries per
// base vector, dot products in 8 independent lanes so the compiler vectorises them.
std::vector<std::array<size_t, 3>> exact_top3(const std::vector<float> & base, const std::vector<float> & queries, int dim) {
    const size_t n = base.size() / dim, nq = queries.size() / dim;
    std::vector<std::array<std::pair<float, size_t>, 3>> best(nq);
    for (auto & b : best) b.fill({-2.0f, 0});
    for (size_t i = 0; i < n; ++i) {
        const float * v = &base[i * dim];
        for (size_t qi = 0; qi < nq; ++qi) {
            const float * q = &queries[qi * dim];
            float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int j = 0;
            for (; j + 8 <= dim; j += 8) {
                for (int l = 0; l < 8; ++l) lane[l] += v[j + l] * q[j + l];
            }
            float s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
            for (; j < dim; ++j) s += v[j] * q[j];
            auto & b = best[qi];
            if (s > b[2].first) {
                b[2] = {s, i};
                std::sort(b.begin(), b.end(), [](auto & x, auto & y) { return x.first > y.first; });
            }
        }
    }
    std::vector<std::array<size_t, 3>> out(nq);
    for (size_t qi = 0; qi < nq; ++qi) out[qi] = {best[qi][0].second, best[qi][1].second, best[qi][2].second};
    return out;
}

// Recall of the HNSW top-3 against the exact top-3 (found / 3), and of the exact nearest
// neighbour alone (is it among the HNSW top-3).
json recall(const ragppo::VectorStore & s, const std::vector<std::array<size_t, 3>> & exact, const std::vector<float> & queries) {
    const size_t nq = exact.size();
    const auto hits = ragppo::vector_store_search_batch(s, queries, 3);
    size_t found = 0, first = 0;
    for (size_t i = 0; i < nq; ++i) {
        for (const auto & h : hits[i]) {
            found += std::count(exact[i].begin(), exact[i].end(), h.index);
            first += h.index == exact[i][0];
        }
    }
    return {{"recall_at_3", double(found) / (3.0 * double(nq))}, {"nearest_in_top3", double(first) / double(nq)}};
}

std::vector<int> int_list(const std::string & s) {
    std::vector<int> out;
    std::stringstream ss(s);
    for (std::string x; std::getline(ss, x, ',');) out.push_back(std::stoi(x));
    return out;
}

}  // namespace

int main(int argc, char ** argv) try {
    int dim = 384, latent = 32;
    std::string data = "lowrank";
    size_t flat_n = 6118, hnsw_n = 1000000, nq = 1000, recall_nq = 200;
    double budget_s = 1800;
    bool do_flat = true, do_hnsw = true;
    ragppo::IndexParams hp;
    hp.kind = ragppo::IndexKind::Hnsw;
    // M 16 / efConstruction 40 (FAISS's defaults are M 32 / efC 40). With the distribution's
    // FAISS build, whose distance kernels are not vectorised, 20k lowrank vectors took 0.85
    // CPU-ms per insert at M 16 and 1.0 at M 32, and a query at efSearch 64 0.9 vs 1.4 ms, for
    // recall@3 0.99 vs 1.00; M 16 also halves the graph's memory. 1M inserts then need roughly
    // 1,000-1,500 CPU-s (inserts get dearer as the graph grows), hence the budget.
    hp.hnsw_m = 16;
    hp.hnsw_ef_construction = 40;
    std::vector<int> ef_search = {16, 32, 64, 128};
    std::string dir = (std::filesystem::temp_directory_path() / "ragppo-bench-index").string();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw ragppo::Error("missing value after " + a);
            return argv[++i];
        };
        if (a == "--dim") dim = std::stoi(next());
        else if (a == "--data") data = next();
        else if (a == "--latent-dim") latent = std::stoi(next());
        else if (a == "--flat-n") flat_n = std::stoul(next());
        else if (a == "--hnsw-n") hnsw_n = std::stoul(next());
        else if (a == "--hnsw-budget-s") budget_s = std::stod(next());
        else if (a == "--queries") nq = std::stoul(next());
        else if (a == "--recall-queries") recall_nq = std::stoul(next());
        else if (a == "--m") hp.hnsw_m = std::stoi(next());
        else if (a == "--ef-construction") hp.hnsw_ef_construction = std::stoi(next());
        else if (a == "--ef-search") ef_search = int_list(next());
        else if (a == "--dir") dir = next();
        else if (a == "--skip-flat") do_flat = false;
        else if (a == "--skip-hnsw") do_hnsw = false;
        else throw ragppo::Error("unknown option " + a + " (see the comment at the top of bench_index.cpp)");
    }
    std::mt19937 rng(1234);
    VectorSource source(data, dim, latent, rng);
    ragppo::IndexInfo info;
    info.embed_model = "synthetic";
    info.dim = dim;
    json out = {{"dim", dim}, {"data", data}, {"latent_dim", data == "lowrank" ? latent : 0}};

    if (do_flat) {  // ---- flat, recipe-index size
        const auto base = source.draw(flat_n);
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
        std::fprintf(stderr, "[bench-index] flat %zu: p50 %.3f ms\n", flat_n, out["flat"]["top3"]["p50_ms"].get<double>());
    }

    if (do_hnsw) {  // ---- HNSW, grown until the size or the time budget is reached
        auto s = ragppo::vector_store_new(info, hp);
        std::vector<float> base;
        base.reserve(hnsw_n * size_t(dim));
        const size_t chunk = std::min<size_t>(50000, std::max<size_t>(1000, hnsw_n / 20));
        const auto t0 = Clock::now();
        const double cpu0 = cpu_seconds();
        double gen_s = 0;
        size_t n = 0;
        while (n < hnsw_n && since(t0) - gen_s < budget_s) {
            const size_t m = std::min(chunk, hnsw_n - n);
            const auto tg = Clock::now();
            const auto v = source.draw(m);
            gen_s += since(tg);
            ragppo::vector_store_add(*s, nodes(n, m), v);
            base.insert(base.end(), v.begin(), v.end());
            n += m;
            std::fprintf(stderr, "[bench-index] hnsw: %zu / %zu vectors, %.0f s\n", n, hnsw_n, since(t0) - gen_s);
        }
        const double build_s = since(t0) - gen_s;  // drawing the vectors is not the index's work
        const double build_cpu_s = cpu_seconds() - cpu0;
        json runs = json::array();
        const auto q = queries_near(base, nq, dim, rng);
        const auto rq = queries_near(base, recall_nq, dim, rng);
        auto te = Clock::now();
        const auto exact = exact_top3(base, rq, dim);
        const double exact_s = since(te);
        // efSearch is set on load, so each setting is measured on a reloaded copy.
        auto ts = Clock::now();
        ragppo::vector_store_save(*s, dir);
        const double save_s = since(ts);
        s.reset();
        for (int ef : ef_search) {
            ragppo::IndexLoadParams lp;
            lp.hnsw_ef_search = ef;
            ts = Clock::now();
            auto l = ragppo::vector_store_load(dir, lp);
            const double load_s = since(ts);
            json run = {{"ef_search", ef}, {"load_s", load_s}, {"top3", latency(*l, q, dim)}};
            run.update(recall(*l, exact, rq));
            std::fprintf(stderr, "[bench-index] hnsw %zu efSearch %d: p50 %.3f ms, recall@3 %.3f\n", n, ef,
                         run["top3"]["p50_ms"].get<double>(), run["recall_at_3"].get<double>());
            runs.push_back(run);
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
                       {"save_s", save_s},
                       {"recall_queries", recall_nq},
                       {"exact_s", exact_s},
                       {"search", runs}};
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
} catch (const std::exception & e) {
    std::fprintf(stderr, "ragppo-bench-index: %s\n", e.what());
    return 1;
}
