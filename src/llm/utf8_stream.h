// Token pieces can split a UTF-8 character; hold the incomplete tail back so a
// streaming callback only ever receives whole characters.
#pragma once

#include <string>
#include <utility>

namespace ragppo::llm {

class Utf8Stream {
public:
    // Append a piece; return the prefix that ends on a character boundary.
    std::string push(const std::string & piece) {
        pending_ += piece;
        const size_t cut = complete_prefix(pending_);
        std::string ready = pending_.substr(0, cut);
        pending_.erase(0, cut);
        return ready;
    }
    // The end of the stream. What is still held back is the start of a character
    // whose remaining bytes never came (generation cut by -n mid-character): it is
    // dropped, so the text never ends in a broken UTF-8 sequence. Returns what may
    // still be emitted (empty after push(), which holds back only such a tail).
    std::string flush() {
        std::string rest = std::exchange(pending_, {});
        rest.resize(complete_prefix(rest));
        return rest;
    }
    // Bytes held back right now (an incomplete character at the end).
    size_t pending() const { return pending_.size(); }

    // Length of the longest prefix of `s` that does not end inside a multi-byte
    // character (only the last character is looked at).
    static size_t complete_prefix(const std::string & s) {
        // Look at most 3 bytes back for the start of a multi-byte character.
        const size_t n = s.size();
        for (size_t back = 1; back <= 3 && back <= n; ++back) {
            const unsigned char c = static_cast<unsigned char>(s[n - back]);
            if ((c & 0xC0) == 0x80) continue;  // continuation byte
            size_t len = (c & 0x80) == 0 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return len > back ? n - back : n;
        }
        return n;
    }

private:
    std::string pending_;
};

}  // namespace ragppo::llm
