#include "text/gpt2_tokenizer.h"

#include "text/byte_level.h"
#include "text/gpt2_pretokenizer.h"
#include "text/gpt2_tokenizer_impl.h"
#include "text/utf8.h"

#include <algorithm>

namespace ragppo::text {

void Gpt2Tokenizer::Impl::refresh() {
    added_index_by_id.clear();
    added_id_by_content.clear();
    size_t n = model->id_limit();
    for (size_t i = 0; i < added.size(); ++i) {
        added_index_by_id[added[i].id] = i;
        added_id_by_content[added[i].content] = added[i].id;
        n = std::max(n, static_cast<size_t>(added[i].id) + 1);
    }
    matcher = AddedTokenMatcher(added);

    id_bytes.assign(n, {});
    id_known.assign(n, false);
    id_special.assign(n, false);
    for (size_t id = 0; id < n; ++id) {
        if (const std::string * text = model->id_to_token(static_cast<int32_t>(id))) {
            id_known[id] = true;
            id_bytes[id] = token_text_to_bytes(*text);
        }
    }
    for (const AddedToken & t : added) {  // an added token's text wins over the model's
        id_known[t.id] = true;
        id_bytes[t.id] = token_text_to_bytes(t.content);
    }
    // HF skips by content: any id whose text is a special token's content.
    for (const AddedToken & t : added) {
        if (!t.special) continue;
        id_special[t.id] = true;
        if (const int32_t m = model->token_to_id(t.content); m >= 0 && !added_index_by_id.count(m)) id_special[m] = true;
    }
}

Gpt2Tokenizer::Gpt2Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->refresh(); }
Gpt2Tokenizer::Gpt2Tokenizer(Gpt2Tokenizer &&) noexcept = default;
Gpt2Tokenizer & Gpt2Tokenizer::operator=(Gpt2Tokenizer &&) noexcept = default;
Gpt2Tokenizer::~Gpt2Tokenizer() = default;

std::vector<int32_t> Gpt2Tokenizer::add_tokens(std::vector<AddedToken> tokens) {
    std::vector<int32_t> ids;
    for (AddedToken & t : tokens) {
        if (t.content.empty()) continue;
        if (const auto it = impl_->added_id_by_content.find(t.content); it != impl_->added_id_by_content.end()) {
            t.id = it->second;  // re-adding updates the token's flags, never its id
        } else if (t.id < 0) {
            t.id = impl_->model->token_to_id(t.content);
            if (t.id < 0) {
                // HF: the next id after the model vocabulary and every added token.
                t.id = static_cast<int32_t>(impl_->model->vocab_size());
                for (const AddedToken & a : impl_->added) t.id = std::max(t.id, a.id + 1);
            }
        }
        if (const auto it = impl_->added_index_by_id.find(t.id); it != impl_->added_index_by_id.end()) {
            impl_->added[it->second] = t;
        } else {
            impl_->added.push_back(t);
            impl_->added_index_by_id[t.id] = impl_->added.size() - 1;
        }
        impl_->added_id_by_content[t.content] = t.id;
        ids.push_back(t.id);
    }
    impl_->refresh();
    return ids;
}

std::vector<int32_t> Gpt2Tokenizer::encode(std::string_view text) const {
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    encode_into(text, ids);
    return ids;
}

void Gpt2Tokenizer::encode_into(std::string_view text, std::vector<int32_t> & ids) const {
    const BpeModel & model = *impl_->model;
    const auto encode_run = [&](std::string_view run) {
        if (run.empty()) return;
        if (impl_->add_prefix_space && run.front() != ' ') {
            std::string prefixed;
            prefixed.reserve(run.size() + 1);
            prefixed.push_back(' ');
            prefixed.append(run);
            for_each_gpt2_pretoken(prefixed, [&](std::string_view piece) { model.encode_piece(piece, ids); });
            return;
        }
        for_each_gpt2_pretoken(run, [&](std::string_view piece) { model.encode_piece(piece, ids); });
    };
    if (impl_->added.empty()) {
        encode_run(text);
        return;
    }
    for (const TextSegment & s : impl_->matcher.split(text)) {
        if (s.added_id >= 0) ids.push_back(s.added_id);
        else encode_run(text.substr(s.begin, s.end - s.begin));
    }
}

std::string Gpt2Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
    std::string bytes;
    for (const int32_t id : ids) {
        if (id < 0 || static_cast<size_t>(id) >= impl_->id_known.size() || !impl_->id_known[id]) continue;
        if (skip_special_tokens && impl_->id_special[id]) continue;
        bytes += impl_->id_bytes[id];
    }
    return to_valid_utf8(bytes);
}

std::optional<int32_t> Gpt2Tokenizer::token_to_id(std::string_view token) const {
    if (const auto it = impl_->added_id_by_content.find(token); it != impl_->added_id_by_content.end()) return it->second;
    const int32_t id = impl_->model->token_to_id(token);
    return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
}

std::optional<std::string> Gpt2Tokenizer::id_to_token(int32_t id) const {
    if (const auto it = impl_->added_index_by_id.find(id); it != impl_->added_index_by_id.end()) {
        return impl_->added[it->second].content;
    }
    const std::string * t = impl_->model->id_to_token(id);
    return t ? std::optional<std::string>(*t) : std::nullopt;
}

bool Gpt2Tokenizer::is_special(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < impl_->id_special.size() && impl_->id_special[id];
}

std::optional<int32_t> Gpt2Tokenizer::eos_token_id() const { return token_to_id("<|endoftext|>"); }

size_t Gpt2Tokenizer::vocab_size() const {
    size_t n = impl_->model->vocab_size();
    for (const AddedToken & t : impl_->added) {
        if (impl_->model->token_to_id(t.content) < 0) ++n;
    }
    return n;
}

const std::vector<AddedToken> & Gpt2Tokenizer::added_tokens() const { return impl_->added; }

}  // namespace ragppo::text
