// Sentence embeddings with a BERT-family GGUF.
//
// Plain BERTs (MiniLM, BGE, ...) run on our own ggml graph (embed/bert_encoder.h):
// texts sorted by length, batches of similar-length sequences padded to one length,
// attention per sequence. Other architectures, and EmbedderParams::llama_graph, run
// through llama.cpp, which attends across a whole micro-batch (masked), so there
// micro-batches are kept close to one maximum-length sequence.
#include "embed/bert_encoder.h"
#include "embed/pooling.h"
#include "llm/llama_runtime.h"
#include "ragppo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

namespace ragppo {

struct Embedder {
    llm::ModelPtr model;
    llm::ContextPtr ctx;
    const llama_vocab * vocab = nullptr;
    int dim = 0;
    int max_tokens = 0;   // sequence limit (the model's trained context)
    int batch_tokens = 0; // tokens per llama.cpp batch (== micro-batch)
    int max_seqs = 0;     // sequences per batch
    Pooling pooling = Pooling::Cls;
    bool normalize = true;
    std::string query_instruction;
    std::unique_ptr<embed::BertEncoder> bert;  // null: llama.cpp runs the model
};

namespace {

enum llama_pooling_type to_llama(Pooling p) {
    switch (p) {
        case Pooling::Cls: return LLAMA_POOLING_TYPE_CLS;
        case Pooling::Mean: return LLAMA_POOLING_TYPE_MEAN;
        case Pooling::Last: return LLAMA_POOLING_TYPE_LAST;
        case Pooling::FromModel: return LLAMA_POOLING_TYPE_UNSPECIFIED;
    }
    return LLAMA_POOLING_TYPE_UNSPECIFIED;
}

std::vector<int32_t> tokenize_truncated(const Embedder & e, const std::string & text) {
    std::vector<int32_t> ids = llm::tokenize(e.vocab, text, /*add_special=*/true, /*parse_special=*/false);
    if (static_cast<int>(ids.size()) > e.max_tokens) {
        // Keep the leading [CLS] ... and the closing [SEP], as HF truncation does.
        const int32_t last = ids.back();
        ids.resize(e.max_tokens);
        if (llama_vocab_get_add_eos(e.vocab) || llama_vocab_get_add_sep(e.vocab)) {
            ids.back() = last;
        }
    }
    return ids;
}

void run_bert_batch(Embedder & e, const std::vector<std::vector<int32_t>> & seqs, const std::vector<size_t> & which,
                    float * out) {
    std::vector<const std::vector<int32_t> *> batch;
    batch.reserve(which.size());
    for (size_t i : which) batch.push_back(&seqs[i]);
    std::vector<float> rows(which.size() * static_cast<size_t>(e.dim));
    e.bert->encode(batch, e.pooling, rows.data());
    for (size_t s = 0; s < which.size(); ++s) {
        float * dst = out + which[s] * e.dim;
        std::copy(rows.begin() + s * e.dim, rows.begin() + (s + 1) * e.dim, dst);
        if (e.normalize) embed::l2_normalize(dst, e.dim);
    }
}

void run_batch(Embedder & e, const std::vector<std::vector<int32_t>> & seqs,
               const std::vector<size_t> & which, float * out) {
    int n_tokens = 0;
    for (size_t i : which) n_tokens += static_cast<int>(seqs[i].size());
    llama_batch batch = llama_batch_init(n_tokens, 0, 1);
    for (size_t s = 0; s < which.size(); ++s) {
        const auto & ids = seqs[which[s]];
        for (size_t p = 0; p < ids.size(); ++p) {
            const int k = batch.n_tokens++;
            batch.token[k] = ids[p];
            batch.pos[k] = static_cast<llama_pos>(p);
            batch.n_seq_id[k] = 1;
            batch.seq_id[k][0] = static_cast<llama_seq_id>(s);
            batch.logits[k] = 1;
        }
    }
    if (llama_memory_t mem = llama_get_memory(e.ctx.get())) {
        llama_memory_clear(mem, true);
    }
    const int rc = llama_decode(e.ctx.get(), batch);
    llama_batch_free(batch);
    if (rc != 0) {
        throw Error("llama.cpp failed to embed a batch (code " + std::to_string(rc) + ")");
    }
    for (size_t s = 0; s < which.size(); ++s) {
        const float * v = llama_get_embeddings_seq(e.ctx.get(), static_cast<llama_seq_id>(s));
        if (v == nullptr) {
            throw Error("llama.cpp returned no pooled embedding");
        }
        float * dst = out + which[s] * e.dim;
        std::copy(v, v + e.dim, dst);
        if (e.normalize) {
            embed::l2_normalize(dst, e.dim);
        }
    }
}

std::vector<float> embed_all(Embedder & e, const std::vector<std::string> & texts,
                             const std::function<void(size_t, size_t)> & on_progress) {
    if (texts.empty()) {
        throw Error("nothing to embed: the list of texts is empty");
    }
    std::vector<std::vector<int32_t>> seqs;
    seqs.reserve(texts.size());
    for (const auto & t : texts) seqs.push_back(tokenize_truncated(e, t));

    // Longest first: batches of similar lengths, and the biggest allocation happens first.
    std::vector<size_t> order(texts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return seqs[a].size() > seqs[b].size(); });

    std::vector<float> out(texts.size() * static_cast<size_t>(e.dim));
    std::vector<size_t> which;
    int used = 0;
    size_t done = 0;
    auto flush = [&] {
        if (which.empty()) return;
        if (e.bert) {
            run_bert_batch(e, seqs, which, out.data());
        } else {
            run_batch(e, seqs, which, out.data());
        }
        done += which.size();
        which.clear();
        used = 0;
        if (on_progress) on_progress(done, texts.size());
    };
    for (size_t i : order) {
        // ggml batches are padded to their first (longest) sequence; llama.cpp's are packed.
        const int n = e.bert && !which.empty() ? static_cast<int>(seqs[which.front()].size()) : static_cast<int>(seqs[i].size());
        if (used + n > e.batch_tokens || static_cast<int>(which.size()) >= e.max_seqs) flush();
        which.push_back(i);
        used += n;
    }
    flush();
    return out;
}

// Tokens per batch when the caller passes 0. llama.cpp: one maximum-length sequence
// (its attention spans the whole batch). Our graph: padded batches of several sequences,
// large enough to keep the matmuls efficient (bench/run.sh embed: batch_tokens table).
constexpr int kBertBatchTokens = 2048;

void check_batch_tokens(const Embedder & e, const EmbedderParams & params) {
    if (e.batch_tokens > std::max(kMaxEmbedBatchTokens, e.max_tokens)) {
        throw Error("embedder batch_tokens " + std::to_string(params.batch_tokens) + " is too large: at most " +
                    std::to_string(std::max(kMaxEmbedBatchTokens, e.max_tokens)) +
                    " (the batch's attention memory grows with its square)");
    }
}

void load_on_bert_encoder(Embedder & e, const EmbedderParams & params, const std::string & path) {
    // The tokenizer is still llama.cpp's (the vocabulary alone, no weights).
    e.model = llm::load_gguf(path, /*vocab_only=*/true);
    e.vocab = llama_model_get_vocab(e.model.get());
    e.dim = e.bert->dim();
    const int trained = e.bert->max_positions();
    e.max_tokens = params.max_tokens > 0 ? std::min(params.max_tokens, trained) : trained;
    e.batch_tokens = std::max(params.batch_tokens > 0 ? params.batch_tokens : kBertBatchTokens, e.max_tokens);
    check_batch_tokens(e, params);
    e.max_seqs = 64;
    e.pooling = params.pooling == Pooling::FromModel ? e.bert->declared_pooling() : params.pooling;
    if (e.pooling == Pooling::FromModel) {
        throw Error("model has no sentence pooling; pass a pooling (cls, mean, last): " + path);
    }
}

void load_on_llama(Embedder & e, const EmbedderParams & params, const std::string & path, int n_threads) {
    e.model = llm::load_gguf(path);
    e.vocab = llama_model_get_vocab(e.model.get());
    e.dim = llama_model_n_embd_out(e.model.get());
    const int trained = llama_model_n_ctx_train(e.model.get());
    e.max_tokens = params.max_tokens > 0 ? std::min(params.max_tokens, trained) : trained;
    e.batch_tokens = params.batch_tokens > 0 ? std::max(params.batch_tokens, e.max_tokens) : e.max_tokens;
    check_batch_tokens(e, params);
    e.max_seqs = static_cast<int>(std::min<size_t>(64, llama_max_parallel_sequences()));

    llama_context_params cp = llama_context_default_params();
    cp.embeddings = true;
    cp.pooling_type = to_llama(params.pooling);
    cp.n_ctx = static_cast<uint32_t>(e.batch_tokens);
    cp.n_batch = static_cast<uint32_t>(e.batch_tokens);
    cp.n_ubatch = static_cast<uint32_t>(e.batch_tokens);
    cp.n_seq_max = static_cast<uint32_t>(e.max_seqs);
    cp.kv_unified = true;
    cp.n_threads = cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    e.ctx.reset(llama_init_from_model(e.model.get(), cp));
    if (!e.ctx) {
        throw Error("failed to create an embedding context for " + path);
    }
    switch (llama_pooling_type(e.ctx.get())) {
        case LLAMA_POOLING_TYPE_CLS: e.pooling = Pooling::Cls; break;
        case LLAMA_POOLING_TYPE_MEAN: e.pooling = Pooling::Mean; break;
        case LLAMA_POOLING_TYPE_LAST: e.pooling = Pooling::Last; break;
        default:
            throw Error("model has no sentence pooling; pass a pooling (cls, mean, last): " + path);
    }
}

}  // namespace

EmbedderPtr embedder_load(const EmbedderParams & params) {
    if (params.max_tokens < 0 || params.batch_tokens < 0) {
        throw Error("embedder max_tokens and batch_tokens must be >= 0, got " + std::to_string(params.max_tokens) + " and " +
                    std::to_string(params.batch_tokens));
    }
    const std::string model_id = params.model.empty() ? default_embedder_id() : params.model;
    const HubFile file = hub_resolve_gguf(model_id, params.hub);

    auto e = std::make_unique<Embedder>();
    e->normalize = params.normalize;
    e->query_instruction = params.query_instruction;
    const int n_threads = llm::default_threads(params.n_threads);
    std::string why_llama;
    if (!params.llama_graph) {
        e->bert = embed::BertEncoder::load(file.local, n_threads, &why_llama);
    }
    if (e->bert) {
        load_on_bert_encoder(*e, params, file.local);
    } else {
        if (!why_llama.empty() && std::getenv("RAGPPO_VERBOSE") != nullptr) {
            std::fprintf(stderr, "embedder: llama.cpp runs %s (%s)\n", file.local.c_str(), why_llama.c_str());
        }
        load_on_llama(*e, params, file.local, n_threads);
    }
    return EmbedderPtr(e.release(), [](Embedder * p) { delete p; });
}

int embedder_dim(const Embedder & e) { return e.dim; }
int embedder_max_tokens(const Embedder & e) { return e.max_tokens; }
Pooling embedder_pooling(const Embedder & e) { return e.pooling; }
int embedder_batch_tokens(const Embedder & e) { return e.batch_tokens; }
std::string embedder_engine(const Embedder & e) { return e.bert ? "ragppo-bert" : "llama.cpp"; }

int embedder_count_tokens(const Embedder & e, const std::string & text) {
    return static_cast<int>(llm::tokenize(e.vocab, text, /*add_special=*/false, /*parse_special=*/false).size());
}

std::vector<int32_t> embedder_tokenize(const Embedder & e, const std::string & text) {
    return tokenize_truncated(e, text);
}

std::vector<float> embed_documents(Embedder & e, const std::vector<std::string> & texts,
                                   const std::function<void(size_t, size_t)> & on_progress) {
    return embed_all(e, texts, on_progress);
}

std::vector<float> embed_queries(Embedder & e, const std::vector<std::string> & texts) {
    if (e.query_instruction.empty()) {
        return embed_all(e, texts, {});
    }
    std::vector<std::string> prefixed;
    prefixed.reserve(texts.size());
    for (const auto & t : texts) prefixed.push_back(e.query_instruction + t);
    return embed_all(e, prefixed, {});
}

}  // namespace ragppo
