#include "rag/splitter.h"

#include "data/stable_id.h"
#include "rag/py_str.h"
#include "rag/sentence_split.h"
#include "ragppo.h"
#include "text/utf8.h"

#include <deque>
#include <unordered_map>
#include <utility>

namespace ragppo::rag {

namespace {

struct Piece {
    std::string text;
    bool is_sentence;  // whole sentences or paragraphs: may overfill a chunk that is still open
    int tokens;
};

// Splits on `sep`, keeping it at the start of each following piece; empty pieces dropped.
std::vector<std::string> split_keep_separator(const std::string & text, const std::string & sep) {
    std::vector<std::string> out;
    size_t at = 0;
    for (bool first = true;; first = false) {
        const size_t next = text.find(sep, at);
        std::string piece = (first ? "" : sep) + text.substr(at, next == std::string::npos ? std::string::npos : next - at);
        if (!piece.empty()) out.push_back(std::move(piece));
        if (next == std::string::npos) break;
        at = next + sep.size();
    }
    return out;
}

bool is_clause_end(uint32_t cp) {
    return cp == ',' || cp == '.' || cp == ';' || cp == 0x3002 || cp == 0xFF1F || cp == 0xFF01;
}

// Pieces each ending in , . ; 。 ？ or ！ (the last may not).
std::vector<std::string> split_clauses(const std::string & text) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i < text.size();) {
        const auto ch = text::decode_utf8_char(text, i);
        i += ch.length;
        if (ch.valid && is_clause_end(ch.codepoint)) {
            out.push_back(text.substr(start, i - start));
            start = i;
        }
    }
    if (start < text.size()) out.push_back(text.substr(start));
    return out;
}

std::vector<std::string> split_chars(const std::string & text) {
    std::vector<std::string> out;
    for (size_t i = 0; i < text.size();) {
        const auto ch = text::decode_utf8_char(text, i);
        out.push_back(text.substr(i, ch.length));
        i += ch.length;
    }
    return out;
}

class Splitter {
  public:
    Splitter(const SplitterParams & p, const TokenCounter & count) : p_(p), count_(count) {
        if (!p_.sentence_split) p_.sentence_split = split_sentences;
    }

    // Pieces no longer than chunk_size tokens (except an indivisible one, which merge rejects).
    std::vector<Piece> split(const std::string & text) {
        const int tokens = count_(text);
        if (tokens <= p_.chunk_size) return {{text, true, tokens}};
        auto [parts, is_sentence] = split_once(text);
        std::vector<Piece> out;
        for (auto & part : parts) {
            const int n = count_(part);
            if (n <= p_.chunk_size || parts.size() == 1) {
                out.push_back({std::move(part), is_sentence, n});
            } else {
                auto sub = split(part);
                out.insert(out.end(), std::make_move_iterator(sub.begin()), std::make_move_iterator(sub.end()));
            }
        }
        return out;
    }

    std::vector<std::string> merge(const std::vector<Piece> & pieces) {
        std::vector<std::string> chunks;
        std::deque<std::pair<std::string, int>> cur;
        int cur_tokens = 0;
        bool fresh = true;  // cur holds only overlap carried from the previous chunk (or nothing)

        auto close = [&] {
            std::string text;
            for (const auto & [t, n] : cur) text += t;
            chunks.push_back(std::move(text));
            std::deque<std::pair<std::string, int>> last;
            last.swap(cur);
            cur_tokens = 0;
            fresh = true;
            // Carry the previous chunk's trailing pieces while they fit the overlap.
            for (auto it = last.rbegin(); it != last.rend() && cur_tokens + it->second <= p_.chunk_overlap; ++it) {
                cur_tokens += it->second;
                cur.push_front(*it);
            }
        };

        for (size_t i = 0; i < pieces.size();) {
            const Piece & piece = pieces[i];
            if (piece.tokens > p_.chunk_size) {
                throw Error("cannot split text into chunks of " + std::to_string(p_.chunk_size) +
                            " tokens: a single character takes " + std::to_string(piece.tokens));
            }
            if (cur_tokens + piece.tokens > p_.chunk_size && !fresh) {
                close();
                continue;
            }
            // Drop carried overlap, oldest first, until the piece fits.
            while (fresh && !cur.empty() && cur_tokens + piece.tokens > p_.chunk_size) {
                cur_tokens -= cur.front().second;
                cur.pop_front();
            }
            if (piece.is_sentence || cur_tokens + piece.tokens <= p_.chunk_size || fresh) {
                cur_tokens += piece.tokens;
                cur.emplace_back(piece.text, piece.tokens);
                fresh = false;
                ++i;
            } else {
                close();
            }
        }
        if (!fresh) {
            std::string text;
            for (const auto & [t, n] : cur) text += t;
            chunks.push_back(std::move(text));
        }

        std::vector<std::string> out;
        for (const auto & c : chunks) {
            std::string s = py_strip(c);
            if (!s.empty()) out.push_back(std::move(s));
        }
        return out;
    }

  private:
    // The first stage that cuts the text in two or more: paragraphs and sentences give
    // sentence pieces; clauses, words and characters do not. If none cuts, the
    // character stage's single piece.
    std::pair<std::vector<std::string>, bool> split_once(const std::string & text) {
        auto parts = split_keep_separator(text, p_.paragraph_separator);
        if (parts.size() > 1) return {std::move(parts), true};
        parts = p_.sentence_split(text);
        if (parts.size() > 1) return {std::move(parts), true};
        if (p_.split_on_punctuation) {
            parts = split_clauses(text);
            if (parts.size() > 1) return {std::move(parts), false};
        }
        parts = split_keep_separator(text, p_.separator);
        if (parts.size() > 1) return {std::move(parts), false};
        return {split_chars(text), false};
    }

    SplitterParams p_;
    const TokenCounter & count_;
};

}  // namespace

std::vector<std::string> split_text(const std::string & text, const SplitterParams & params,
                                    const TokenCounter & count_tokens) {
    if (params.chunk_size < 1) throw Error("chunk size must be at least 1 token, got " + std::to_string(params.chunk_size));
    if (params.chunk_overlap < 0 || params.chunk_overlap > params.chunk_size) {
        throw Error("chunk overlap must be between 0 and the chunk size (" + std::to_string(params.chunk_size) +
                    "), got " + std::to_string(params.chunk_overlap));
    }
    if (params.separator.empty() || params.paragraph_separator.empty()) throw Error("splitter separators must not be empty");
    if (text.empty()) return {text};
    Splitter s(params, count_tokens);
    return s.merge(s.split(text));
}

std::string node_id(const std::string & source_uid, const std::string & text) {
    // The uid's length goes first so that ("ab", "c") and ("a", "bc") cannot collide.
    return data::stable_id(std::to_string(source_uid.size()) + ":" + source_uid + "\n" + text, 32);
}

std::vector<IndexNode> split_document(const std::string & source_uid, const std::string & text,
                                      const SplitterParams & params, const TokenCounter & count_tokens) {
    std::vector<IndexNode> nodes;
    std::unordered_map<std::string, int> seen;
    for (auto & chunk : split_text(text, params, count_tokens)) {
        IndexNode n;
        n.uid = source_uid;
        n.id = node_id(source_uid, chunk);
        if (const int k = ++seen[n.id]; k > 1) n.id.append("-").append(std::to_string(k));
        n.text = std::move(chunk);
        nodes.push_back(std::move(n));
    }
    return nodes;
}

}  // namespace ragppo::rag
