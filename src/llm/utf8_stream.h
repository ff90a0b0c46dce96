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
    // Whatever is left at the end (possibly an invalid sequence, passed through).
    std::string flush() { return std::exchange(pending_, {}); }

private:
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
    std::string pending_;
};

}  // namespace ragppo::llm
