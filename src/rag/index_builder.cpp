#include "rag/index_builder.h"

#include "data/dataset_files.h"
#include "hub/file_hash.h"
#include "index/output_dir.h"
#include "text/utf8.h"

#include "util/timer.h"
#include <filesystem>

namespace ragppo::rag {

namespace {

using util::Clock;
using util::ms_since;

// At most kMaxNodeMetadataBytes of a name or link, cut before a character boundary.
std::string node_metadata(const std::string & s) {
    if (s.size() <= kMaxNodeMetadataBytes) return s;
    return s.substr(0, text::utf8_prefix_bytes(s, kMaxNodeMetadataBytes)) + "...";
}

}  // namespace

BuildResult build_index(const IndexBuildParams & p, const BuildProgress & progress) {
    if (p.out_dir.empty()) throw Error("no output directory for the index");
    // Ownership and the write lock come first, before minutes of embedding: only an
    // absent or empty directory or an index is ever replaced, and no other ragppo
    // process writes it until we are done (the lock is held to the end).
    const std::filesystem::path target = index::index_target(p.out_dir);
    index::check_index_output(target, p.append);
    const util::FileLock lock = index::lock_index(target);
    const index::OutputState state = index::check_index_output(target, p.append);  // again, now that we hold it
    BuildResult report;

    auto t0 = Clock::now();
    const auto files = data::resolve_dataset_files(p.dataset, p.config, p.split, p.embed.hub);
    data::LoadOptions lo;
    lo.limit = p.limit;
    lo.mapping = p.mapping;
    lo.max_field_bytes = p.max_field_bytes;
    report.load = data::load_recipes(files, lo);
    report.load_ms = ms_since(t0);

    EmbedderParams ep = p.embed;
    const std::string model_id = ep.model.empty() ? default_embedder_id() : ep.model;
    const HubFile model_file = hub_resolve_gguf(model_id, ep.hub);
    ep.model = model_file.local;
    auto embedder = embedder_load(ep);

    t0 = Clock::now();
    SplitterParams sp;
    sp.chunk_size = p.chunk_size;
    sp.chunk_overlap = p.chunk_overlap;
    const TokenCounter count = [&](const std::string & t) { return embedder_count_tokens(*embedder, t); };
    std::vector<IndexNode> nodes;
    for (const auto & recipe : report.load.recipes) {
        const std::string name = node_metadata(recipe.name), link = node_metadata(recipe.link);  // once per recipe
        for (auto & n : split_document(recipe.uid, data::document_text(recipe), sp, count)) {
            n.name = name;
            n.link = link;
            nodes.push_back(std::move(n));
        }
    }
    report.nodes = nodes.size();
    report.split_ms = ms_since(t0);

    IndexInfo info;
    info.embed_model = model_id;
    info.embed_model_sha256 = hub::file_sha256(model_file.local);
    info.dim = embedder_dim(*embedder);
    info.pooling = embedder_pooling(*embedder);
    info.query_instruction = p.embed.query_instruction;
    info.dataset = p.dataset;
    info.dataset_split = p.split;
    info.chunk_size = p.chunk_size;
    info.chunk_overlap = p.chunk_overlap;

    IndexLoadParams check;
    check.expect_model = info.embed_model;
    check.expect_model_sha256 = info.embed_model_sha256;
    check.expect_dim = info.dim;
    check.verify = p.verify_existing;
    VectorStorePtr existing(nullptr, [](VectorStore *) {});
    if (p.append && state == index::OutputState::Index) {
        existing = vector_store_load(target.string(), check);  // refuses another embedding model before any work
        std::vector<IndexNode> fresh;
        for (auto & n : nodes) {
            if (!vector_store_contains(*existing, n.id)) fresh.push_back(std::move(n));
        }
        nodes = std::move(fresh);
    }

    t0 = Clock::now();
    std::vector<std::string> texts;
    texts.reserve(nodes.size());
    for (const auto & n : nodes) texts.push_back(n.text);
    std::vector<float> vectors;
    if (!texts.empty()) {
        vectors = embed_documents(*embedder, texts, [&](size_t done, size_t total) {
            if (progress) progress("embed", done, total);
        });
    }
    report.embed_ms = ms_since(t0);

    t0 = Clock::now();
    if (existing) {
        report.added = nodes.empty() ? 0 : vector_store_add(*existing, nodes, vectors);
        vector_store_save(*existing, target.string());
        report.index_size = vector_store_size(*existing);
    } else {
        auto store = vector_store_new(info, p.index);
        report.added = vector_store_add(*store, nodes, vectors);
        vector_store_save(*store, target.string());
        report.index_size = vector_store_size(*store);
    }
    report.save_ms = ms_since(t0);
    return report;
}

}  // namespace ragppo::rag
