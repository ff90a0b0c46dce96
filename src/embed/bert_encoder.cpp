#include "embed/bert_encoder.h"

#include "embed/gelu_erf.h"
#include "llm/cpu_backend.h"
#include "ragppo.h"

#include <ggml-alloc.h>
#include <ggml-backend.h>
#include <ggml.h>
#include <gguf.h>

#include <cmath>
#include <cstring>
#include <fstream>

namespace ragppo::embed {

namespace {

struct Layer {
    ggml_tensor * wqkv = nullptr;  // q, k and v stacked: one matmul instead of three
    ggml_tensor * bqkv = nullptr;
    ggml_tensor * wo = nullptr;
    ggml_tensor * bo = nullptr;
    ggml_tensor * attn_norm_w = nullptr;
    ggml_tensor * attn_norm_b = nullptr;
    ggml_tensor * w_up = nullptr;
    ggml_tensor * b_up = nullptr;
    ggml_tensor * w_down = nullptr;
    ggml_tensor * b_down = nullptr;
    ggml_tensor * out_norm_w = nullptr;
    ggml_tensor * out_norm_b = nullptr;
};

struct GgufDeleter { void operator()(gguf_context * g) const { gguf_free(g); } };
struct GgmlDeleter { void operator()(ggml_context * c) const { ggml_free(c); } };
struct BufferDeleter { void operator()(ggml_backend_buffer * b) const { ggml_backend_buffer_free(b); } };
struct BackendDeleter { void operator()(ggml_backend * b) const { ggml_backend_free(b); } };
struct GallocDeleter { void operator()(ggml_gallocr * g) const { ggml_gallocr_free(g); } };

}  // namespace

struct BertEncoder::Impl {
    std::unique_ptr<ggml_context, GgmlDeleter> weights_ctx;
    std::unique_ptr<ggml_backend_buffer, BufferDeleter> weights_buf;
    std::unique_ptr<ggml_backend, BackendDeleter> backend;
    std::unique_ptr<ggml_gallocr, GallocDeleter> galloc;
    std::vector<uint8_t> graph_meta;  // room for one graph's tensor and node headers

    int n_embd = 0, n_head = 0, n_layer = 0, n_pos = 0;
    float eps = 1e-12f;
    Pooling pooling = Pooling::FromModel;  // as the file declares it

    ggml_tensor * tok_embd = nullptr;
    ggml_tensor * pos_embd = nullptr;
    ggml_tensor * type_embd = nullptr;  // optional: row 0 ("sentence A") is added to every token
    ggml_tensor * embd_norm_w = nullptr;
    ggml_tensor * embd_norm_b = nullptr;
    std::vector<Layer> layers;
};

namespace {

constexpr int kMaxGraphNodes = 4096;

// Reads the GGUF's metadata and copies tensor bytes into our own (CPU backend) tensors.
class GgufFile {
public:
    explicit GgufFile(const std::string & path) : path_(path) {
        ggml_context * meta = nullptr;
        gguf_init_params p{/*no_alloc=*/true, &meta};
        gguf_.reset(gguf_init_from_file(path.c_str(), p));
        if (!gguf_) throw Error("not a readable GGUF file: " + path);
        meta_.reset(meta);
    }
    std::string str(const char * key) const {
        const int64_t id = gguf_find_key(gguf_.get(), key);
        if (id < 0 || gguf_get_kv_type(gguf_.get(), id) != GGUF_TYPE_STRING) return "";
        return gguf_get_val_str(gguf_.get(), id);
    }
    // Unsigned integer keys are written as u32 by llama.cpp's converter; accept i32 too.
    bool uint(const char * key, uint32_t * out) const {
        const int64_t id = gguf_find_key(gguf_.get(), key);
        if (id < 0) return false;
        switch (gguf_get_kv_type(gguf_.get(), id)) {
            case GGUF_TYPE_UINT32: *out = gguf_get_val_u32(gguf_.get(), id); return true;
            case GGUF_TYPE_INT32: {
                const int32_t v = gguf_get_val_i32(gguf_.get(), id);
                if (v < 0) return false;
                *out = static_cast<uint32_t>(v);
                return true;
            }
            default: return false;
        }
    }
    bool f32(const char * key, float * out) const {
        const int64_t id = gguf_find_key(gguf_.get(), key);
        if (id < 0 || gguf_get_kv_type(gguf_.get(), id) != GGUF_TYPE_FLOAT32) return false;
        *out = gguf_get_val_f32(gguf_.get(), id);
        return true;
    }
    bool flag(const char * key) const {
        const int64_t id = gguf_find_key(gguf_.get(), key);
        return id >= 0 && gguf_get_kv_type(gguf_.get(), id) == GGUF_TYPE_BOOL && gguf_get_val_bool(gguf_.get(), id);
    }
    ggml_tensor * meta(const std::string & name) const { return ggml_get_tensor(meta_.get(), name.c_str()); }
    const ggml_tensor * meta_at(int i) const { return meta(gguf_get_tensor_name(gguf_.get(), i)); }
    int n_tensors() const { return static_cast<int>(gguf_get_n_tensors(gguf_.get())); }

    // Copy `name`'s bytes into `dst` at byte `offset` (dst may be a stack of tensors).
    void read_into(const std::string & name, ggml_tensor * dst, size_t offset) {
        const ggml_tensor * src = meta(name);
        const size_t n = ggml_nbytes(src);
        if (offset + n > ggml_nbytes(dst)) throw Error("GGUF tensor " + name + " does not fit its slot: " + path_);
        const int64_t id = gguf_find_tensor(gguf_.get(), name.c_str());
        if (!in_.is_open()) in_.open(path_, std::ios::binary);
        buf_.resize(n);
        in_.seekg(static_cast<std::streamoff>(gguf_get_data_offset(gguf_.get()) + gguf_get_tensor_offset(gguf_.get(), id)));
        if (!in_.read(reinterpret_cast<char *>(buf_.data()), static_cast<std::streamsize>(n))) {
            throw Error("GGUF file is truncated (tensor " + name + "): " + path_);
        }
        ggml_backend_tensor_set(dst, buf_.data(), offset, n);
    }

private:
    std::string path_;
    std::unique_ptr<gguf_context, GgufDeleter> gguf_;
    std::unique_ptr<ggml_context, GgmlDeleter> meta_;
    std::ifstream in_;
    std::vector<uint8_t> buf_;
};

// What a plain BERT must have, and the shapes it must have them in. Empty when usable.
std::string check_tensors(const GgufFile & f, int n_embd, int n_layer, int n_pos) {
    auto has = [&](const std::string & name, int64_t ne0, int64_t ne1) -> bool {
        const ggml_tensor * t = f.meta(name);
        return t != nullptr && t->ne[0] == ne0 && (ne1 < 0 || t->ne[1] == ne1) && t->ne[2] == 1 && t->ne[3] == 1;
    };
    const int64_t D = n_embd;
    if (!has("token_embd.weight", D, -1)) return "no token_embd.weight of width " + std::to_string(D);
    if (!has("position_embd.weight", D, n_pos)) return "no absolute position embeddings";
    if (!has("token_embd_norm.weight", D, 1) || !has("token_embd_norm.bias", D, 1)) return "no embedding layer norm";
    const ggml_tensor * up0 = f.meta("blk.0.ffn_up.weight");
    if (up0 == nullptr) return "no blk.0.ffn_up.weight";
    const int64_t F = up0->ne[1];
    for (int il = 0; il < n_layer; ++il) {
        const std::string b = "blk." + std::to_string(il) + ".";
        for (const char * w : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
            if (!has(b + w + ".weight", D, D) || !has(b + w + ".bias", D, 1)) return b + w + " is missing or not " + std::to_string(D) + "x" + std::to_string(D) + " with a bias";
        }
        if (f.meta(b + "attn_q.weight")->type != f.meta(b + "attn_k.weight")->type ||
            f.meta(b + "attn_q.weight")->type != f.meta(b + "attn_v.weight")->type) {
            return b + "attn_q/k/v differ in type";
        }
        if (!has(b + "ffn_up.weight", D, F) || !has(b + "ffn_up.bias", F, 1) || !has(b + "ffn_down.weight", F, D) ||
            !has(b + "ffn_down.bias", D, 1)) {
            return b + "ffn_up/ffn_down are missing or have other shapes";
        }
        for (const char * n : {"attn_output_norm", "layer_output_norm"}) {
            if (!has(b + n + ".weight", D, 1) || !has(b + n + ".bias", D, 1)) return b + n + " is missing";
        }
        // Variants llama.cpp handles and this graph does not: q/k norms, gated FFN.
        for (const char * extra : {"attn_q_norm.weight", "attn_k_norm.weight", "ffn_gate.weight", "attn_norm_2.weight"}) {
            if (f.meta(b + extra) != nullptr) return b + extra + " (a BERT variant)";
        }
    }
    // Biases and norm weights are added and multiplied in F32 (converters write them so).
    for (int i = 0; i < f.n_tensors(); ++i) {
        const ggml_tensor * t = f.meta_at(i);
        if (ggml_n_dims(t) == 1 && t->type != GGML_TYPE_F32) return std::string(t->name) + " is not F32";
    }
    return "";
}

}  // namespace

BertEncoder::BertEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BertEncoder::~BertEncoder() = default;

std::unique_ptr<BertEncoder> BertEncoder::load(const std::string & path, int n_threads, std::string * why) {
    auto fail = [&](const std::string & reason) -> std::unique_ptr<BertEncoder> {
        if (why) *why = reason;
        return nullptr;
    };
    llm::load_cpu_backend();
    GgufFile f(path);
    if (f.str("general.architecture") != "bert") return fail("architecture is '" + f.str("general.architecture") + "', not bert");

    auto m = std::make_unique<Impl>();
    uint32_t n_embd = 0, n_head = 0, n_layer = 0, n_pos = 0;
    if (!f.uint("bert.embedding_length", &n_embd) || !f.uint("bert.attention.head_count", &n_head) ||
        !f.uint("bert.block_count", &n_layer) || !f.uint("bert.context_length", &n_pos)) {
        return fail("bert hyperparameters are missing");
    }
    if (n_embd == 0 || n_head == 0 || n_embd % n_head != 0 || n_layer == 0 || n_layer > 256 || n_pos == 0 || n_embd > 65536) {
        return fail("bert hyperparameters are out of range");
    }
    if (f.flag("bert.attention.causal")) return fail("a causal BERT");
    f.f32("bert.attention.layer_norm_epsilon", &m->eps);
    uint32_t pooling = 0;
    if (f.uint("bert.pooling_type", &pooling)) {
        // llama.cpp's enum: 1 mean, 2 cls, 3 last.
        m->pooling = pooling == 1 ? Pooling::Mean : pooling == 2 ? Pooling::Cls : pooling == 3 ? Pooling::Last : Pooling::FromModel;
    }
    m->n_embd = static_cast<int>(n_embd);
    m->n_head = static_cast<int>(n_head);
    m->n_layer = static_cast<int>(n_layer);
    m->n_pos = static_cast<int>(n_pos);
    if (const std::string bad = check_tensors(f, m->n_embd, m->n_layer, m->n_pos); !bad.empty()) return fail(bad);

    // Our own tensors, shaped for the graph below, in one CPU backend buffer.
    const int n_weights = 6 + 12 * m->n_layer;
    ggml_init_params ip{static_cast<size_t>(n_weights) * ggml_tensor_overhead(), nullptr, /*no_alloc=*/true};
    m->weights_ctx.reset(ggml_init(ip));
    ggml_context * wctx = m->weights_ctx.get();
    auto like = [&](const std::string & name) {
        const ggml_tensor * t = f.meta(name);
        ggml_tensor * c = ggml_new_tensor(wctx, t->type, ggml_n_dims(t), t->ne);
        ggml_set_name(c, name.c_str());
        return c;
    };
    const int64_t D = m->n_embd;
    m->tok_embd = like("token_embd.weight");
    m->pos_embd = like("position_embd.weight");
    if (const ggml_tensor * t = f.meta("token_types.weight"); t != nullptr && t->ne[0] == D) m->type_embd = like("token_types.weight");
    m->embd_norm_w = like("token_embd_norm.weight");
    m->embd_norm_b = like("token_embd_norm.bias");
    m->layers.resize(m->n_layer);
    for (int il = 0; il < m->n_layer; ++il) {
        const std::string b = "blk." + std::to_string(il) + ".";
        Layer & L = m->layers[il];
        L.wqkv = ggml_new_tensor_2d(wctx, f.meta(b + "attn_q.weight")->type, D, 3 * D);
        L.bqkv = ggml_new_tensor_1d(wctx, f.meta(b + "attn_q.bias")->type, 3 * D);
        L.wo = like(b + "attn_output.weight");
        L.bo = like(b + "attn_output.bias");
        L.attn_norm_w = like(b + "attn_output_norm.weight");
        L.attn_norm_b = like(b + "attn_output_norm.bias");
        L.w_up = like(b + "ffn_up.weight");
        L.b_up = like(b + "ffn_up.bias");
        L.w_down = like(b + "ffn_down.weight");
        L.b_down = like(b + "ffn_down.bias");
        L.out_norm_w = like(b + "layer_output_norm.weight");
        L.out_norm_b = like(b + "layer_output_norm.bias");
    }

    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (dev == nullptr) throw Error("ggml has no CPU backend loaded");
    m->backend.reset(ggml_backend_dev_init(dev, nullptr));
    if (!m->backend) throw Error("could not start ggml's CPU backend");
    ggml_backend_buffer_type_t buft = ggml_backend_dev_buffer_type(dev);
    m->weights_buf.reset(ggml_backend_alloc_ctx_tensors_from_buft(wctx, buft));
    if (!m->weights_buf) throw Error("out of memory for the embedding model's weights: " + path);
    ggml_backend_buffer_set_usage(m->weights_buf.get(), GGML_BACKEND_BUFFER_USAGE_WEIGHTS);

    // Tensor bytes: the stacked q/k/v go one after the other into their shared tensor.
    for (ggml_tensor * t = ggml_get_first_tensor(wctx); t != nullptr; t = ggml_get_next_tensor(wctx, t)) {
        if (t->name[0] != '\0') f.read_into(t->name, t, 0);
    }
    for (int il = 0; il < m->n_layer; ++il) {
        const std::string b = "blk." + std::to_string(il) + ".";
        const char * parts[] = {"attn_q", "attn_k", "attn_v"};
        for (int p = 0; p < 3; ++p) {
            f.read_into(b + parts[p] + ".weight", m->layers[il].wqkv, p * ggml_nbytes(m->layers[il].wqkv) / 3);
            f.read_into(b + parts[p] + ".bias", m->layers[il].bqkv, p * ggml_nbytes(m->layers[il].bqkv) / 3);
        }
    }

    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
    if (auto set_threads = reinterpret_cast<ggml_backend_set_n_threads_t>(
            ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads"))) {
        set_threads(m->backend.get(), n_threads);
    }
    m->galloc.reset(ggml_gallocr_new(buft));
    m->graph_meta.resize(ggml_tensor_overhead() * kMaxGraphNodes + ggml_graph_overhead_custom(kMaxGraphNodes, false));
    return std::unique_ptr<BertEncoder>(new BertEncoder(std::move(m)));
}

int BertEncoder::dim() const { return impl_->n_embd; }
int BertEncoder::max_positions() const { return impl_->n_pos; }

Pooling BertEncoder::declared_pooling() const { return impl_->pooling; }

namespace {

ggml_tensor * layer_norm(ggml_context * ctx, ggml_tensor * x, ggml_tensor * w, ggml_tensor * b, float eps) {
    return ggml_add(ctx, ggml_mul(ctx, ggml_norm(ctx, x, eps), w), b);
}

}  // namespace

void BertEncoder::encode(const std::vector<const std::vector<int32_t> *> & seqs, Pooling pooling, float * out) {
    Impl & m = *impl_;
    const int64_t S = static_cast<int64_t>(seqs.size());
    if (S == 0) return;
    int64_t L = 0;
    for (const auto * s : seqs) {
        if (s->empty() || static_cast<int>(s->size()) > m.n_pos) {
            throw Error("a sequence of " + std::to_string(s->size()) + " tokens does not fit the embedder (1.." +
                        std::to_string(m.n_pos) + ")");
        }
        L = std::max<int64_t>(L, static_cast<int64_t>(s->size()));
    }
    const int64_t D = m.n_embd, H = m.n_head, hd = D / H, T = L * S;

    ggml_init_params ip{m.graph_meta.size(), m.graph_meta.data(), /*no_alloc=*/true};
    std::unique_ptr<ggml_context, GgmlDeleter> holder(ggml_init(ip));
    ggml_context * ctx = holder.get();
    ggml_cgraph * gf = ggml_new_graph_custom(ctx, kMaxGraphNodes, false);

    ggml_tensor * tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);
    ggml_tensor * positions = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, T);
    // Per sequence: 0 for real keys, -inf for the padding after them.
    ggml_tensor * mask = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, L, L, 1, S);
    for (ggml_tensor * t : {tokens, positions, mask}) ggml_set_input(t);

    ggml_tensor * x = ggml_add(ctx, ggml_get_rows(ctx, m.tok_embd, tokens), ggml_get_rows(ctx, m.pos_embd, positions));
    if (m.type_embd) x = ggml_add(ctx, x, ggml_view_1d(ctx, m.type_embd, D, 0));
    x = layer_norm(ctx, x, m.embd_norm_w, m.embd_norm_b, m.eps);

    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    for (const Layer & ly : m.layers) {
        ggml_tensor * qkv = ggml_add(ctx, ggml_mul_mat(ctx, ly.wqkv, x), ly.bqkv);  // [3D, T]
        auto heads = [&](int part) {  // [hd, L, H, S] view of one third of qkv
            const size_t es = ggml_element_size(qkv);
            ggml_tensor * v = ggml_view_4d(ctx, qkv, hd, H, L, S, hd * es, qkv->nb[1], qkv->nb[1] * L, part * D * es);
            return ggml_permute(ctx, v, 0, 2, 1, 3);
        };
        // Flash attention per text: ggml's tiled CPU kernel wants F16 keys and values. (Plain
        // softmax(QK^T)V through F32, F16 or BF16 matmuls was 1.2-1.9x slower end to end.)
        ggml_tensor * k = ggml_cast(ctx, heads(1), GGML_TYPE_F16);
        ggml_tensor * v = ggml_cast(ctx, heads(2), GGML_TYPE_F16);
        ggml_tensor * a = ggml_flash_attn_ext(ctx, heads(0), k, v, mask, scale, 0.0f, 0.0f);  // [hd, H, L, S]
        ggml_prec_set_acc(a, GGML_PREC_F32);
        a = ggml_reshape_2d(ctx, a, D, T);
        a = ggml_add(ctx, ggml_mul_mat(ctx, ly.wo, a), ly.bo);
        x = layer_norm(ctx, ggml_add(ctx, a, x), ly.attn_norm_w, ly.attn_norm_b, m.eps);

        ggml_tensor * h = ggml_add(ctx, ggml_mul_mat(ctx, ly.w_up, x), ly.b_up);
        h = gelu_erf(ctx, h);
        h = ggml_add(ctx, ggml_mul_mat(ctx, ly.w_down, h), ly.b_down);
        x = layer_norm(ctx, ggml_add(ctx, h, x), ly.out_norm_w, ly.out_norm_b, m.eps);
    }
    ggml_set_output(x);
    ggml_build_forward_expand(gf, x);
    if (!ggml_gallocr_alloc_graph(m.galloc.get(), gf)) {
        throw Error("out of memory for an embedding batch of " + std::to_string(S) + " x " + std::to_string(L) + " tokens");
    }

    std::vector<int32_t> tok(T, 0), pos(T);
    std::vector<ggml_fp16_t> msk(static_cast<size_t>(L * L * S));
    const ggml_fp16_t zero = ggml_fp32_to_fp16(0.0f), ninf = ggml_fp32_to_fp16(-INFINITY);
    for (int64_t s = 0; s < S; ++s) {
        const auto & ids = *seqs[s];
        const int64_t n = static_cast<int64_t>(ids.size());
        for (int64_t p = 0; p < L; ++p) {
            tok[s * L + p] = p < n ? ids[p] : 0;
            pos[s * L + p] = static_cast<int32_t>(p);
        }
        for (int64_t r = 0; r < L; ++r) {
            ggml_fp16_t * row = msk.data() + (s * L + r) * L;
            for (int64_t c = 0; c < L; ++c) row[c] = c < n ? zero : ninf;
        }
    }
    ggml_backend_tensor_set(tokens, tok.data(), 0, ggml_nbytes(tokens));
    ggml_backend_tensor_set(positions, pos.data(), 0, ggml_nbytes(positions));
    ggml_backend_tensor_set(mask, msk.data(), 0, ggml_nbytes(mask));
    if (ggml_backend_graph_compute(m.backend.get(), gf) != GGML_STATUS_SUCCESS) {
        throw Error("ggml failed to compute an embedding batch");
    }

    std::vector<float> hidden(static_cast<size_t>(D * T));
    ggml_backend_tensor_get(x, hidden.data(), 0, ggml_nbytes(x));
    for (int64_t s = 0; s < S; ++s) {
        const int64_t n = static_cast<int64_t>(seqs[s]->size());
        const float * rows = hidden.data() + s * L * D;
        float * dst = out + s * D;
        switch (pooling) {
            case Pooling::Cls: std::copy(rows, rows + D, dst); break;
            case Pooling::Last: std::copy(rows + (n - 1) * D, rows + n * D, dst); break;
            case Pooling::Mean:
            case Pooling::FromModel: {
                std::fill(dst, dst + D, 0.0f);
                for (int64_t p = 0; p < n; ++p) {
                    for (int64_t d = 0; d < D; ++d) dst[d] += rows[p * D + d];
                }
                for (int64_t d = 0; d < D; ++d) dst[d] /= static_cast<float>(n);
                break;
            }
        }
    }
}

}  // namespace ragppo::embed
