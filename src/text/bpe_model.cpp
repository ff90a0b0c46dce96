#include "text/bpe_model.h"

#include "text/byte_level.h"
#include "text/utf8.h"

#include "ragppo.h"

#include <mutex>
#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace ragppo::text {
namespace {

uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

// Bounded: once full it is cleared, which keeps memory flat on endless streams
// of novel strings (URLs, numbers) at the cost of re-merging common words once.
constexpr size_t kMaxCachedPieces = 200000;

}  // namespace

struct BpeModel::PieceCache {
    std::mutex mutex;
    StringMap<std::vector<int32_t>> ids;
};

BpeModel::BpeModel(std::unordered_map<std::string, int32_t> vocab,
                   const std::vector<std::pair<std::string, std::string>> & merges, bool ignore_merges)
    : vocab_(std::make_move_iterator(vocab.begin()), std::make_move_iterator(vocab.end())),
      ignore_merges_(ignore_merges),
      cache_(std::make_unique<PieceCache>()) {
    int32_t max_id = -1;
    for (const auto & [token, id] : vocab_) {
        if (id < 0) throw Error("BPE vocabulary has a negative id for token '" + token + "'");
        max_id = std::max(max_id, id);
    }
    id_to_token_.resize(static_cast<size_t>(max_id + 1));
    id_present_.assign(static_cast<size_t>(max_id + 1), false);
    for (const auto & [token, id] : vocab_) {
        id_to_token_[id] = token;
        id_present_[id] = true;
    }

    merges_.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto & [left, right] = merges[rank];
        const int32_t l = token_to_id(left), r = token_to_id(right), m = token_to_id(left + right);
        if (l < 0 || r < 0 || m < 0) {
            throw Error("BPE merge " + std::to_string(rank) + " ('" + left + "' '" + right +
                                     "') names a token missing from the vocabulary");
        }
        // A repeated pair keeps its last rank, as HF's merge map does.
        merges_[pair_key(l, r)] = MergeTarget{static_cast<uint32_t>(rank), m};
    }

    for (int b = 0; b < 256; ++b) {
        std::string ch;
        append_utf8(ch, byte_to_unicode(static_cast<uint8_t>(b)));
        byte_ids_[b] = token_to_id(ch);
    }
}

BpeModel::~BpeModel() = default;

int32_t BpeModel::token_to_id(std::string_view token) const {
    const auto it = vocab_.find(token);
    return it == vocab_.end() ? -1 : it->second;
}

const std::string * BpeModel::id_to_token(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !id_present_[id]) return nullptr;
    return &id_to_token_[id];
}

void BpeModel::encode_piece(std::string_view bytes, std::vector<int32_t> & out) const {
    if (bytes.empty()) return;
    {
        std::lock_guard lock(cache_->mutex);
        const auto it = cache_->ids.find(bytes);
        if (it != cache_->ids.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int32_t> ids;
    if (ignore_merges_) {
        if (const int32_t whole = token_to_id(bytes_to_token_text(bytes)); whole >= 0) ids.push_back(whole);
    }
    if (ids.empty()) merge_bytes(bytes, ids);
    out.insert(out.end(), ids.begin(), ids.end());

    std::lock_guard lock(cache_->mutex);
    if (cache_->ids.size() >= kMaxCachedPieces) cache_->ids.clear();
    cache_->ids.emplace(std::string(bytes), std::move(ids));
}

// The merge loop of HF's BPE word: symbols form a linked list; a min-heap holds
// candidate merges keyed (rank, left position). A popped candidate is stale when
// its pair no longer merges into the same token, and is then dropped.
void BpeModel::merge_bytes(std::string_view bytes, std::vector<int32_t> & out) const {
    struct Symbol {
        int32_t id;
        int32_t prev;
        int32_t next;
        bool removed;
    };
    struct Candidate {
        uint32_t rank;
        uint32_t pos;
        int32_t new_id;
        bool operator>(const Candidate & o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<Candidate> queue;  // a min-heap via std::push_heap/pop_heap
    symbols.clear();
    queue.clear();
    const auto push = [&](Candidate c) {
        queue.push_back(c);
        std::push_heap(queue.begin(), queue.end(), std::greater<>{});
    };

    // A byte without a token is dropped, as HF's BPE does without an unk token.
    for (const char c : bytes) {
        const int32_t id = byte_ids_[static_cast<uint8_t>(c)];
        if (id < 0) continue;
        const auto n = static_cast<int32_t>(symbols.size());
        if (n > 0) symbols.back().next = n;
        symbols.push_back(Symbol{id, n - 1, -1, false});
    }

    const auto lookup = [&](int32_t left, int32_t right) -> const MergeTarget * {
        const auto it = merges_.find(pair_key(left, right));
        return it == merges_.end() ? nullptr : &it->second;
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        if (const MergeTarget * m = lookup(symbols[i].id, symbols[i + 1].id)) {
            push(Candidate{m->rank, static_cast<uint32_t>(i), m->id});
        }
    }
    while (!queue.empty()) {
        std::pop_heap(queue.begin(), queue.end(), std::greater<>{});
        const Candidate top = queue.back();
        queue.pop_back();
        Symbol & left = symbols[top.pos];
        if (left.removed || left.next < 0) continue;
        const int32_t right_pos = left.next;
        const Symbol right = symbols[right_pos];
        const MergeTarget * current = lookup(left.id, right.id);
        if (current == nullptr || current->id != top.new_id) continue;

        left.id = top.new_id;
        left.next = right.next;
        symbols[right_pos].removed = true;
        if (right.next >= 0) symbols[right.next].prev = static_cast<int32_t>(top.pos);

        if (left.prev >= 0) {
            if (const MergeTarget * m = lookup(symbols[left.prev].id, left.id)) {
                push(Candidate{m->rank, static_cast<uint32_t>(left.prev), m->id});
            }
        }
        if (left.next >= 0) {
            if (const MergeTarget * m = lookup(left.id, symbols[left.next].id)) {
                push(Candidate{m->rank, top.pos, m->id});
            }
        }
    }
    for (const Symbol & s : symbols) {
        if (!s.removed) out.push_back(s.id);
    }
}

}  // namespace ragppo::text
